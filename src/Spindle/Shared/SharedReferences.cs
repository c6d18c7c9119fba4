using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Spindle.Calls;

namespace Spindle.Shared;

/// <summary>Opens <see cref="ISharedReference"/> objects on the receiving side, and closes those a call opened when it ends.</summary>
[UnconditionalSuppressMessage("Trimming", "IL2060", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2070", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal static class SharedReferences
{
    private static readonly ConcurrentDictionary<Type, Func<string, object>?> Openers = new();

    private static readonly MethodInfo OpenGeneric = typeof(SharedReferences).GetMethod(nameof(OpenAs), BindingFlags.NonPublic | BindingFlags.Static)!;

    [ThreadStatic]
    private static CallScope? _current;

    /// <summary>Whether values of <paramref name="type"/> travel by reference.</summary>
    public static bool IsReference(Type type) => OpenerFor(type) is not null;

    /// <summary>Opens the object of type <paramref name="type"/> that <paramref name="reference"/> names.</summary>
    public static object Open(Type type, string reference)
    {
        Func<string, object> open = OpenerFor(type)
            ?? throw new InvalidDataException($"{type} is not a shared object type, yet a reference to one was sent.");
        return _current is { } scope ? scope.Open(type, reference, open) : open(reference);
    }

    /// <summary>Opens a shared object a worker handed over as its result (see <see cref="ISegmentBacked"/>), taking over the use it added for this process.</summary>
    public static object Adopt(Type type, string name) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(SharedArray<>)
            ? type.GetMethod("Adopt", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, BindingFlags.DoNotWrapExceptions, binder: null, [name], culture: null)!
            : throw new InvalidDataException($"{type} cannot be handed over, yet it was.");

    /// <summary>Opens a segment named <paramref name="name"/> for the running call: it is closed when the call's result has been written.</summary>
    public static Segment OpenForCall(string name, Func<string, Segment> open) =>
        _current is { } scope
            ? (Segment)scope.Open(typeof(Segment), name, open)
            : throw new InvalidOperationException("A shared-memory view can only be opened while a call is being read.");

    /// <summary>
    /// Makes, once per running call on this thread and <paramref name="name"/>, the object <paramref name="hold"/>
    /// returns; it is disposed when the call ends. Outside a call nothing is made.
    /// </summary>
    public static void HoldForCall(Type kind, string name, Func<IDisposable> hold) =>
        _current?.Open(kind, name, _ => hold());

    /// <summary>
    /// Starts a call on this thread: objects opened from references until the scope ends belong to the call and are
    /// disposed with it.
    /// </summary>
    public static CallScope BeginCall() => _current = new CallScope();

    private static Func<string, object>? OpenerFor(Type type) =>
        Openers.GetOrAdd(type, static t =>
            t.IsClass && !t.IsAbstract && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISharedReference<>) && i.GetGenericArguments()[0] == t)
                ? OpenGeneric.MakeGenericMethod(t).CreateDelegate<Func<string, object>>()
                : null);

    private static object OpenAs<T>(string reference)
        where T : class, ISharedReference<T> => T.OpenReference(reference);

    /// <summary>The objects one call opened.</summary>
    public sealed class CallScope : IDisposable
    {
        private readonly Dictionary<(Type, string), object> _opened = [];

        internal object Open(Type type, string reference, Func<string, object> open)
        {
            if (!_opened.TryGetValue((type, reference), out object? instance))
            {
                instance = open(reference);
                _opened.Add((type, reference), instance);
            }

            return instance;
        }

        /// <summary>Disposes what the call opened.</summary>
        public void Dispose()
        {
            if (_current == this)
            {
                _current = null;
            }

            foreach (object instance in _opened.Values)
            {
                if (instance is IDisposable disposable)
                {
                    disposable.Dispose();
                }
                else if (instance is IAsyncDisposable asyncDisposable)
                {
                    asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }

            _opened.Clear();
        }
    }
}

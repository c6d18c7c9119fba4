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

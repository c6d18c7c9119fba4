using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using Spindle.Shared;

namespace Spindle.Sync;

/// <summary>Creates and opens <see cref="SharedValue{T}"/>s.</summary>
[SupportedOSPlatform("linux")]
public static class SharedValue
{
    /// <summary>Creates a shared value holding <paramref name="initialValue"/>; a null name picks a unique one.</summary>
    public static SharedValue<T> Create<T>(T initialValue = default, string? name = null)
        where T : unmanaged => SharedValue<T>.Create(initialValue, name);

    /// <summary>Opens a shared value another process created; fails clearly if it holds another type.</summary>
    public static SharedValue<T> Open<T>(string name)
        where T : unmanaged => SharedValue<T>.Open(name);
}

/// <summary>
/// One value shared by processes and threads, with atomic operations (Python's <c>multiprocessing.Value</c>).
/// Values of 4 or 8 bytes use the processor's atomic instructions; other sizes a tiny shared spin lock.
/// </summary>
/// <typeparam name="T">The value's type; both processes must agree on it (checked by name and size when opened).</typeparam>
[SupportedOSPlatform("linux")]
public sealed unsafe class SharedValue<T> : IDisposable, ISharedReference<SharedValue<T>>
    where T : unmanaged
{
    private readonly Segment _segment;

    private SharedValue(Segment segment)
    {
        _segment = segment;
    }

    /// <summary>The name other processes open it by.</summary>
    public string Name => _segment.Name;

    string ISharedReference.Reference
    {
        get
        {
            _segment.ThrowIfDisposed();
            return Name;
        }
    }

    private int* SpinWord => (int*)_segment.Data;

    private T* Value => (T*)(_segment.Data + 8);

    internal static SharedValue<T> Create(T initialValue, string? name)
    {
        if (name is not null)
        {
            SegmentDirectory.Validate(name, nameof(name));
        }

        var value = new SharedValue<T>(Segment.Create(name ?? SegmentDirectory.NewName(SharedObjectKind.Value), SharedObjectKind.Value, TypeName, sizeof(T), 8 + sizeof(T)));
        *value.Value = initialValue;
        return value;
    }

    internal static SharedValue<T> Open(string name) => new(Segment.Open(name, SharedObjectKind.Value, TypeName, sizeof(T), nameof(name)));

    static SharedValue<T> ISharedReference<SharedValue<T>>.OpenReference(string reference) => Open(reference);

    private static string TypeName => Segment.TypeNameOf(typeof(T));

    /// <summary>Reads the value atomically.</summary>
    public T Read()
    {
        using Segment.Lease lease = _segment.Use();
        if (sizeof(T) == 4)
        {
            int bits = Volatile.Read(ref *(int*)Value);
            return Unsafe.As<int, T>(ref bits);
        }

        if (sizeof(T) == 8)
        {
            long bits = Volatile.Read(ref *(long*)Value);
            return Unsafe.As<long, T>(ref bits);
        }

        ProcessSpinLock.Enter(SpinWord);
        T value = *Value;
        ProcessSpinLock.Exit(SpinWord);
        return value;
    }

    /// <summary>Writes the value atomically.</summary>
    public void Write(T value) => Exchange(value);

    /// <summary>Stores <paramref name="value"/> and returns the value before.</summary>
    public T Exchange(T value)
    {
        using Segment.Lease lease = _segment.Use();
        if (sizeof(T) == 4)
        {
            int bits = Interlocked.Exchange(ref *(int*)Value, Unsafe.As<T, int>(ref value));
            return Unsafe.As<int, T>(ref bits);
        }

        if (sizeof(T) == 8)
        {
            long bits = Interlocked.Exchange(ref *(long*)Value, Unsafe.As<T, long>(ref value));
            return Unsafe.As<long, T>(ref bits);
        }

        ProcessSpinLock.Enter(SpinWord);
        T before = *Value;
        *Value = value;
        ProcessSpinLock.Exit(SpinWord);
        return before;
    }

    /// <summary>Stores <paramref name="value"/> if the current value equals <paramref name="comparand"/> bit for bit; returns the value before.</summary>
    public T CompareExchange(T value, T comparand)
    {
        using Segment.Lease lease = _segment.Use();
        if (sizeof(T) == 4)
        {
            int bits = Interlocked.CompareExchange(ref *(int*)Value, Unsafe.As<T, int>(ref value), Unsafe.As<T, int>(ref comparand));
            return Unsafe.As<int, T>(ref bits);
        }

        if (sizeof(T) == 8)
        {
            long bits = Interlocked.CompareExchange(ref *(long*)Value, Unsafe.As<T, long>(ref value), Unsafe.As<T, long>(ref comparand));
            return Unsafe.As<long, T>(ref bits);
        }

        ProcessSpinLock.Enter(SpinWord);
        T before = *Value;
        if (new ReadOnlySpan<byte>(&before, sizeof(T)).SequenceEqual(new ReadOnlySpan<byte>(&comparand, sizeof(T))))
        {
            *Value = value;
        }

        ProcessSpinLock.Exit(SpinWord);
        return before;
    }

    /// <summary>Adds <paramref name="delta"/> atomically and returns the new value (int, uint, long, ulong, float or double).</summary>
    public T Add(T delta)
    {
        using Segment.Lease lease = _segment.Use();
        object result = delta switch
        {
            // Each arm boxed as its own type: unboxed, the arms would share one numeric type (double).
            int d => (object)Interlocked.Add(ref *(int*)Value, d),
            uint d => (object)Interlocked.Add(ref *(uint*)Value, d),
            long d => (object)Interlocked.Add(ref *(long*)Value, d),
            ulong d => (object)Interlocked.Add(ref *(ulong*)Value, d),
            float d => (object)AddByCompareExchange(d, static (a, b) => a + b),
            double d => (object)AddByCompareExchange(d, static (a, b) => a + b),
            _ => throw new NotSupportedException($"SharedValue<{typeof(T)}> '{Name}' cannot add: Add, Increment and Decrement work on int, uint, long, ulong, float and double."),
        };
        return (T)result;
    }

    /// <summary>Adds one atomically and returns the new value.</summary>
    public T Increment() => Add(One(1));

    /// <summary>Subtracts one atomically and returns the new value.</summary>
    public T Decrement() => Add(One(-1));

    private static T One(int sign) => (T)(object)(default(T) switch
    {
        int => (object)sign,
        uint => (object)unchecked((uint)sign),
        long => (object)(long)sign,
        ulong => (object)unchecked((ulong)(long)sign),
        float => (object)(float)sign,
        double => (object)(double)sign,
        _ => throw new NotSupportedException($"SharedValue<{typeof(T)}> cannot count: Increment and Decrement work on int, uint, long, ulong, float and double."),
    });

    private TNumber AddByCompareExchange<TNumber>(TNumber delta, Func<TNumber, TNumber, TNumber> add)
        where TNumber : unmanaged
    {
        while (true)
        {
            T before = Read();
            TNumber sum = add(Unsafe.As<T, TNumber>(ref before), delta);
            if (EqualityComparer<T>.Default.Equals(CompareExchange(Unsafe.As<TNumber, T>(ref sum), before), before))
            {
                return sum;
            }
        }
    }

    /// <summary>Unmaps it here; the last user to dispose (or die) removes it.</summary>
    public void Dispose() => _segment.Dispose();
}

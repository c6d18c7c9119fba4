using Spindle.Sync;
using Spindle.Interop;

namespace Spindle.Lab.Os;

/// <summary>
/// A block of memory shared between threads or processes: the first 64 bytes hold futex control words, the data
/// area follows. Subclasses say where the memory comes from (a mapped file, a Spindle shared array).
/// </summary>
internal abstract unsafe class FutexBlock : IDisposable
{
    /// <summary>Bytes reserved before the data area for control words.</summary>
    public const int HeaderBytes = 64;

    /// <summary>The control word that says "give up".</summary>
    private const int AbortWord = 15;

    private byte* _start;

    /// <summary>Bytes in the data area.</summary>
    public int DataBytes { get; private set; }

    /// <summary>Control word <paramref name="index"/> (0–15) of the header.</summary>
    public int* Word(int index) => (int*)_start + index;

    /// <summary>The data area.</summary>
    public Span<byte> Data => new(_start + HeaderBytes, DataBytes);

    /// <summary>Sleeps until control word <paramref name="index"/> equals <paramref name="wanted"/>.</summary>
    public void WaitFor(int index, int wanted)
    {
        int* word = Word(index);
        int seen;
        while ((seen = Volatile.Read(ref *word)) != wanted)
        {
            if (Volatile.Read(ref *Word(AbortWord)) != 0)
            {
                throw new OperationCanceledException($"The other side of {this} gave up.");
            }

            // Bounded, so a waiter rechecks now and then whether its partner gave up (see Abort).
            Futex.Wait(word, seen, TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Sets control word <paramref name="index"/> and wakes whoever waits on it.</summary>
    public void Set(int index, int value)
    {
        int* word = Word(index);
        Volatile.Write(ref *word, value);
        Futex.Wake(word, 1);
    }

    /// <summary>Makes every waiter on this block give up within a second (the other side failed).</summary>
    public void Abort()
    {
        Set(AbortWord, 1);
        for (int i = 0; i < AbortWord; i++)
        {
            Futex.Wake(Word(i));
        }
    }

    public abstract void Dispose();

    /// <summary>Called by the subclass once its memory is mapped.</summary>
    protected void Attach(byte* start, int dataBytes)
    {
        _start = start;
        DataBytes = dataBytes;
    }
}

using System.Diagnostics;
using System.Runtime.Versioning;
using Spindle.Interop;

namespace Spindle.Ipc.Queues;

/// <summary>
/// One slot of a queue: a 16-byte header (length, bytes written so far, writer's pid, whether a reader sleeps on the
/// written count) and the payload.
/// </summary>
/// <remarks>
/// A small message is written whole under the queue's lock before it is published. A large one (from
/// <see cref="StreamBytes"/>) is published first and then streamed in outside the lock, chunk by chunk, each chunk
/// announced by one store of the written count; a consumer that takes it meanwhile copies each chunk out as soon as it
/// is there. Copying in and copying out then overlap on two cores instead of following each other, as a socket's do.
/// The consumer holds the queue's lock while it waits for the rest (so nobody reuses the slot under it), which costs
/// others no more than the copy under the lock did; if the writer dies first the message is dropped with an error
/// instead of waiting forever (a writer that is stopped, not dead, keeps that consumer waiting until it resumes).
/// That wait spins briefly (a writer copying in is microseconds behind), then sleeps on the written count as a futex:
/// the reader raises the slot's sleeper flag and the writer, after each announcement, wakes it if the flag is up. Both
/// sides store with a full fence before they read the other's word, so either the writer sees the flag or the reader
/// sees the new count: no wake is lost. The sleep still ends every <see cref="LivenessCheckEvery"/> to look for a dead
/// writer, which wakes nobody.
/// </remarks>
[SupportedOSPlatform("linux")]
internal static unsafe class QueueSlot
{
    /// <summary>Messages from this size on stream into their slot (below it, one copy under the lock is cheaper than the hand-off).</summary>
    public const int StreamBytes = 256 << 10;

    /// <summary>
    /// Big enough that announcing a chunk, and the reader waiting for it, cost little next to copying it, small enough
    /// that the reader starts early. In the IPC bench a 16 MiB round trip took about twice as long with 64 KiB chunks,
    /// and no less with chunks of an eighth of the message (up to 1 MiB).
    /// </summary>
    private const int ChunkBytes = 256 << 10;

    /// <summary>How many spins a waiting reader makes between checks that the writer is still alive.</summary>
    private const int SpinsPerLivenessCheck = 256;

    /// <summary>How long a reader spins on a writer that makes no progress before it sleeps on the written count.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 1000;

    /// <summary>How often a reader asleep on the written count wakes to check that the writer is alive.</summary>
    private static readonly TimeSpan LivenessCheckEvery = TimeSpan.FromMilliseconds(100);

    private static int* WrittenWord(byte* slot) => (int*)(slot + 4);

    private static int* SleeperFlag(byte* slot) => (int*)(slot + 12);

    public static int Length(byte* slot) => *(int*)slot;

    /// <summary>How many bytes of the message are written so far.</summary>
    public static int WrittenSoFar(byte* slot) => Volatile.Read(ref *WrittenWord(slot));

    public static Span<byte> Payload(byte* slot, int length) => new(slot + QueueHeader.SlotHeaderBytes, Math.Max(length, 0));

    /// <summary>Starts a message of <paramref name="length"/> bytes (−1 for null) with nothing written yet.</summary>
    public static void Begin(byte* slot, int length)
    {
        *(int*)slot = length;
        *(int*)(slot + 8) = Environment.ProcessId;
        *SleeperFlag(slot) = 0;
        Volatile.Write(ref *WrittenWord(slot), 0);
    }

    /// <summary>
    /// Marks a message written whole (<paramref name="count"/> bytes, or −1 for null) before it is published: no reader
    /// can be waiting on it yet, so a plain release store does, with no fence or wake on a small message's path.
    /// </summary>
    public static void WrittenBeforePublishing(byte* slot, int count) => Volatile.Write(ref *WrittenWord(slot), count);

    /// <summary>Announces the first <paramref name="count"/> bytes of a published message as written; wakes a sleeping reader.</summary>
    private static void Written(byte* slot, int count)
    {
        // A full fence between the store and the flag's read (the reader's is between the flag's store and its read of
        // the count): see the remarks.
        Interlocked.Exchange(ref *WrittenWord(slot), count);
        if (Volatile.Read(ref *SleeperFlag(slot)) != 0 && Futex.IsSupported)
        {
            Futex.Wake(WrittenWord(slot));
        }
    }

    /// <summary>Copies <paramref name="source"/> in chunk by chunk, announcing each.</summary>
    public static void Stream(byte* slot, ReadOnlySpan<byte> source)
    {
        Span<byte> payload = Payload(slot, source.Length);
        for (int done = 0; done < source.Length;)
        {
            int next = Math.Min(source.Length, done + ChunkBytes);
            source[done..next].CopyTo(payload[done..]);
            Written(slot, next);
            done = next;
        }
    }

    /// <summary>Copies the message out into <paramref name="destination"/>, each chunk as soon as its writer has finished it.</summary>
    public static void CopyOut(byte* slot, int length, Span<byte> destination, object queue)
    {
        Span<byte> payload = Payload(slot, length);
        for (int copied = 0; copied < length;)
        {
            int written = WaitWritten(slot, length, copied + 1, queue);
            payload[copied..written].CopyTo(destination[copied..]);
            copied = written;
        }
    }

    /// <summary>
    /// Waits until at least <paramref name="atLeast"/> bytes (at most <paramref name="length"/>) are written; returns how
    /// many are. Throws when the writer died first (the caller consumes the message all the same).
    /// </summary>
    public static int WaitWritten(byte* slot, int length, int atLeast, object queue)
    {
        int want = Math.Min(atLeast, length);
        int written = Volatile.Read(ref *WrittenWord(slot));
        if (written >= want)
        {
            return written;
        }

        // A writer copying in its message is at most microseconds behind, so this spins (yielding) at first; one that
        // made no progress for a millisecond (paused, descheduled on a busy machine) is slept on (see the remarks), so
        // a reader neither burns a core on it nor wakes a thousand times a second.
        var spinner = default(SpinWait);
        long sleepFrom = Stopwatch.GetTimestamp() + SpinTicks;
        for (int spins = 1; ; spins++)
        {
            bool checkLiveness = spins % SpinsPerLivenessCheck == 0;
            if (Stopwatch.GetTimestamp() < sleepFrom)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            else if (Futex.IsSupported)
            {
                Interlocked.Exchange(ref *SleeperFlag(slot), 1);
                written = Volatile.Read(ref *WrittenWord(slot));
                if (written >= want)
                {
                    return written;
                }

                Futex.Wait(WrittenWord(slot), written, LivenessCheckEvery);
                checkLiveness = true;
            }
            else
            {
                Thread.Sleep(1);
            }

            written = Volatile.Read(ref *WrittenWord(slot));
            if (written >= want)
            {
                return written;
            }

            int writer = *(int*)(slot + 8);
            if (checkLiveness && !Native.ProcessAlive(writer))
            {
                throw new InvalidDataException(
                    $"The process that was adding a {length}-byte message to {queue} (pid {writer}) died after {Volatile.Read(ref *WrittenWord(slot))} bytes; the message was dropped.");
            }
        }
    }
}

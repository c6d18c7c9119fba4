using System.Runtime.Versioning;
using Spindle.Shared;

namespace Spindle.Sync;

/// <summary>
/// A barrier shared by processes and threads (Python's <c>multiprocessing.Barrier</c>): each phase completes when
/// all participants have arrived, and releases them together.
/// </summary>
/// <remarks>State: phase (low 16 bits of it) and arrivals packed in one word, so arriving and completing are one atomic step.</remarks>
[SupportedOSPlatform("linux")]
public sealed unsafe partial class SharedBarrier : SharedWaitable, ISharedReference<SharedBarrier>
{
    /// <summary>The most participants a barrier accepts.</summary>
    public const int MaxParticipants = ushort.MaxValue;

    private SharedBarrier(Segment segment)
        : base(segment)
    {
    }

    /// <summary>How many participants each phase waits for.</summary>
    public int ParticipantCount => ReadState(1);

    /// <summary>How many phases have completed.</summary>
    public long CurrentPhase => ReadState64(2);

    string ISharedReference.Reference => ReferenceName;

    private int* Packed => State;

    private int* Participants => State + 1;

    /// <summary>Creates a barrier for <paramref name="participantCount"/> participants; a null name picks a unique one.</summary>
    public static SharedBarrier Create(int participantCount, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(participantCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(participantCount, MaxParticipants);
        var barrier = new SharedBarrier(SyncSegments.Create(name, SharedObjectKind.Barrier, string.Empty, 16));
        *barrier.Participants = participantCount;
        return barrier;
    }

    /// <summary>Opens a barrier another process created.</summary>
    public static SharedBarrier Open(string name) => new(SyncSegments.Open(name, SharedObjectKind.Barrier, string.Empty));

    static SharedBarrier ISharedReference<SharedBarrier>.OpenReference(string reference) => Open(reference);

    /// <summary>Arrives and waits for the others; returns the number of the phase that completed.</summary>
    public long SignalAndWait(CancellationToken cancellationToken = default) =>
        TrySignalAndWait(Timeout.InfiniteTimeSpan, cancellationToken) ?? throw new InvalidOperationException("An infinite wait ended.");

    /// <summary>Arrives and waits up to <paramref name="timeout"/>; on timeout the arrival is withdrawn and null returned.</summary>
    public long? TrySignalAndWait(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using Segment.Lease lease = Segment.Use();
        (int phase, long completed) = Arrive();
        if (completed >= 0)
        {
            return completed;
        }

        bool passed;
        try
        {
            passed = Wait(phase, timeout, cancellationToken) != NotYet || !Withdraw(phase);
        }
        catch (OperationCanceledException) when (!Withdraw(phase))
        {
            // The phase completed as we gave up: we did pass the barrier.
            passed = true;
        }

        return passed ? CurrentPhase : null;
    }

    private (int Phase, long Completed) Arrive()
    {
        int packed = Volatile.Read(ref *Packed);
        while (true)
        {
            int phase = packed >>> 16;
            int arrived = (packed & 0xFFFF) + 1;
            bool last = arrived == *Participants;
            int next = last ? ((phase + 1) & 0xFFFF) << 16 : (phase << 16) | arrived;
            int seen = Interlocked.CompareExchange(ref *Packed, next, packed);
            if (seen == packed)
            {
                if (!last)
                {
                    return (phase, -1);
                }

                long completed = Interlocked.Increment(ref *(long*)(State + 2));
                Changed(int.MaxValue);
                return (phase, completed);
            }

            packed = seen;
        }
    }

    /// <summary>Takes back an arrival in <paramref name="phase"/>; false if the phase completed meanwhile.</summary>
    private bool Withdraw(int phase)
    {
        int packed = Volatile.Read(ref *Packed);
        while (packed >>> 16 == phase)
        {
            int seen = Interlocked.CompareExchange(ref *Packed, packed - 1, packed);
            if (seen == packed)
            {
                return true;
            }

            packed = seen;
        }

        return false;
    }

    private protected override int TryTake(int argument, bool holderMayBeDead) =>
        Volatile.Read(ref *Packed) >>> 16 != argument ? Taken : NotYet;
}

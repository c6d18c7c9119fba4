using Spindle;
using Spindle.Pools;

namespace Spindle;

/// <summary>
/// A call ran longer than its timeout. With process isolation its worker was killed and replaced; with thread isolation
/// its token was cancelled, and a thread that does not return in time is abandoned and replaced. A cluster call's
/// timeout counts from when it is sent: one that no agent took in that time never ran, and no worker was killed for it.
/// </summary>
/// <remarks>
/// It derives from <see cref="SpindleException"/>, not <see cref="TimeoutException"/>: <c>catch (SpindleException)</c>
/// catches every way the pool ends a call that its delegate did not choose (a timeout, a crash, a worker that could
/// not start, a faulted pool, a full queue), and a <c>catch (TimeoutException)</c> meant for the caller's own waits
/// does not take a call's timeout for one of them. <see cref="Timeout"/> says which limit expired.
/// </remarks>
public sealed class CallTimeoutException : SpindleException
{
    /// <summary>Creates the exception.</summary>
    public CallTimeoutException(TimeSpan timeout, Isolation isolation)
        : this(timeout, isolation, started: true)
    {
    }

    /// <summary>
    /// Creates the exception for a call that had <paramref name="started"/>, or had not: then nothing was stopped for it;
    /// or that was offered to <paramref name="offeredTo"/>, which had not said whether it took it.
    /// </summary>
    internal CallTimeoutException(TimeSpan timeout, Isolation isolation, bool started, string? offeredTo = null)
        : base(EnumValue.Defined(isolation, nameof(isolation)) switch
        {
            _ when !started => $"The call did not finish within {timeout} (CallTimeout); it had not started: no worker took it in that time (with a cluster, no agent claimed it), and it will not run now.",
            _ when offeredTo is not null => $"The call did not finish within {timeout} (CallTimeout); it was offered to {offeredTo}, which had not yet answered whether it took it: " +
                "it was told to stop, so it will not run now, and if it had started there, its worker process is killed and replaced.",
            Isolation.Process => $"The call did not finish within {timeout} (CallTimeout); its worker process was killed and replaced.",
            _ => $"The call did not finish within {timeout} (CallTimeout). A thread cannot be killed: its token was cancelled, and if the delegate does not return within CancellationGracePeriod its thread is abandoned to it and a new worker takes its place.",
        })
    {
        Timeout = timeout;
        Isolation = isolation;
    }

    /// <summary>The timeout that expired: <see cref="WorkerPoolOptions.CallTimeout"/> or <see cref="CallOptions.Timeout"/>.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Where the call ran: a worker process (killed for it) or a worker thread (its token cancelled).</summary>
    public Isolation Isolation { get; }
}

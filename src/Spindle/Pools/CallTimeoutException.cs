namespace Spindle.Pools;

/// <summary>
/// A call ran longer than its timeout. With process isolation its worker was killed and replaced; with thread isolation
/// its token was cancelled, and a thread that does not return in time is abandoned and replaced.
/// </summary>
public sealed class CallTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public CallTimeoutException(TimeSpan timeout, Isolation isolation)
        : base(isolation == Isolation.Process
            ? $"The call did not finish within {timeout} (CallTimeout); its worker process was killed and replaced."
            : $"The call did not finish within {timeout} (CallTimeout). A thread cannot be killed: its token was cancelled, and if the delegate does not return within CancellationGracePeriod its thread is abandoned to it and a new worker takes its place.")
    {
        _ = EnumValue.Defined(isolation, nameof(isolation));
        Timeout = timeout;
    }

    /// <summary>The timeout that expired.</summary>
    public TimeSpan Timeout { get; }
}

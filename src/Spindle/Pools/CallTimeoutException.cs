namespace Spindle.Pools;

/// <summary>A call ran longer than its timeout. With process isolation its worker was killed and replaced.</summary>
public sealed class CallTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public CallTimeoutException(TimeSpan timeout, Isolation isolation)
        : base(isolation == Isolation.Process
            ? $"The call did not finish within {timeout} (CallTimeout); its worker process was killed and replaced."
            : $"The call did not finish within {timeout} (CallTimeout). A thread cannot be killed: its token was cancelled and the worker thread stays busy until the delegate returns.")
    {
        _ = EnumValue.Defined(isolation, nameof(isolation));
        Timeout = timeout;
    }

    /// <summary>The timeout that expired.</summary>
    public TimeSpan Timeout { get; }
}

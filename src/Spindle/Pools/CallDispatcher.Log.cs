using Microsoft.Extensions.Logging;

namespace Spindle.Pools;

/// <summary>What the dispatcher logs about workers.</summary>
internal sealed partial class CallDispatcher
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Worker {WorkerId} started (replacement: {Replacing}).")]
    private partial void LogWorkerStarted(int workerId, bool replacing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId} died while {State}: {Cause}.")]
    private partial void LogWorkerDied(int workerId, string state, string cause);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Worker {WorkerId} recycled after {Calls} calls (MaxCallsPerWorker).")]
    private partial void LogWorkerRecycled(int workerId, int calls);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Worker {WorkerId} retired after being idle for IdleTimeout.")]
    private partial void LogWorkerIdleRetired(int workerId);

    [LoggerMessage(Level = LogLevel.Error, Message = "A worker could not be started; {Stranded} queued call(s) failed with the reason.")]
    private partial void LogWorkerStartFailed(Exception error, int stranded);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A worker's start was cancelled: the pool is stopping; {Stranded} queued call(s) were cancelled.")]
    private partial void LogWorkerStartCancelled(int stranded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId} on worker {WorkerId} timed out after {Timeout}.")]
    private partial void LogCallTimedOut(long callId, int workerId, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId} on {Worker} did not return within {GracePeriod} (CancellationGracePeriod) of its cancellation: the worker is abandoned to it, blocked in the background, and a new worker takes its place. It counts toward MaxRestarts while it stays blocked.")]
    private partial void LogWorkerAbandoned(long callId, string worker, TimeSpan gracePeriod);

    [LoggerMessage(Level = LogLevel.Information, Message = "The abandoned {Worker} returned from call {CallId} after {Blocked}.")]
    private partial void LogAbandonedWorkerReturned(string worker, long? callId, TimeSpan blocked);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The drain did not end within {DrainTimeout} (DrainTimeout): the {InFlight} call(s) still queued or running are terminated.")]
    private partial void LogDrainTimedOut(TimeSpan drainTimeout, int inFlight);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The pool is faulted.")]
    private partial void LogPoolFaulted(Exception fault);
}

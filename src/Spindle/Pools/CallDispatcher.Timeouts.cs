using Spindle.Backends;

namespace Spindle.Pools;

/// <summary>
/// Ending a running call from outside: its timeout (counted from when its worker starts it) and its caller's
/// cancellation (cooperative first; a worker that ignores it is stopped after <see cref="WorkerPoolOptions.CancellationGracePeriod"/>).
/// A queued call is simply taken out of the queue.
/// </summary>
internal sealed partial class CallDispatcher
{
    /// <summary>Starts <paramref name="call"/>'s timeout, if it has one: the worker has just started it.</summary>
    public void ArmTimeout(PendingCall call, PoolWorker worker)
    {
        if (call.Timeout is not null)
        {
            ArmTimeoutNow(call, worker);
        }
    }

    // Apart from ArmTimeout so the closure is only allocated for calls that have a timeout (this runs for every call).
    private void ArmTimeoutNow(PendingCall call, PoolWorker worker) => call.ArmTimeout(() => OnCallTimedOut(call, worker));

    private void OnCallTimedOut(PendingCall call, PoolWorker worker)
    {
        TimeSpan timeout = call.Timeout ?? TimeSpan.Zero;
        LogCallTimedOut(call.Id, worker.Id, timeout);

        // A cluster call's timeout counts from when it is sent: one no agent took is withdrawn first, so none takes it
        // now, and its error does not speak of a worker killed for it.
        bool started = !worker.TryWithdraw(call);
        string? offeredTo = started ? worker.UnansweredOffer(call) : null;
        worker.StopCall(call, c => c.TryFail(new CallTimeoutException(timeout, _options.Isolation, started, offeredTo)));
    }

    private void OnCancelRequested(PendingCall call)
    {
        PoolWorker? running;
        lock (_gate)
        {
            if (_queue.Remove(call))
            {
                // Still queued: taken out; no worker is touched.
                running = null;
            }
            else
            {
                running = call.RunningOn;
                if (running is null)
                {
                    return;
                }
            }
        }

        if (running is null)
        {
            ReleaseSpace(call);
            call.TryCancel();
            Finish(call);
            return;
        }

        // Cooperative first; a worker process that ignores its token is killed after the grace period.
        running.CancelRunning(call);
        call.ArmGrace(_options.CancellationGracePeriod, () => running.StopCall(call, c => c.TryCancel()));
    }
}

using Spindle;
using Spindle.Calls;
using Spindle.Backends;

namespace Spindle.Pools;

/// <summary>
/// Sending calls ahead: which busy worker may take a call before it has finished the ones it holds (see
/// <see cref="WorkerPoolOptions.PipelineDepth"/> and <see cref="WorkerPoolOptions.PipelineWindow"/>).
/// </summary>
internal sealed partial class CallDispatcher
{
    /// <summary>
    /// Whether <paramref name="call"/> may go to <paramref name="worker"/>, which holds <paramref name="inFlight"/> calls
    /// expected to take <paramref name="held"/> ticks: always when it is free; when busy, only while everything it would
    /// hold is known to finish within the <see cref="WorkerPoolOptions.PipelineWindow"/> (and <see cref="WorkerPoolOptions.PipelineDepth"/>
    /// allows). So only short calls wait in a worker, and never for long: the head-of-line wait is bounded.
    /// </summary>
    private bool MayTake(PoolWorker worker, PendingCall call, int inFlight, long held) =>
        inFlight == 0 || (inFlight < worker.Capacity && (_pipelineWindowTicks == long.MaxValue || CallProfile.Add(held, EstimateOf(call)) <= _pipelineWindowTicks));

    /// <summary>Whether a busy worker holding <paramref name="held"/> ticks of work could take any call ahead of time.</summary>
    private bool HasRoomAhead(long held) => _pipelineWindowTicks == long.MaxValue || held < _pipelineWindowTicks;

    private static long EstimateOf(PendingCall call) => call.Profile?.EstimateTicks ?? CallProfile.Unknown;

    /// <summary>A busy worker that can take <paramref name="call"/> ahead of time (pipelining), or null.</summary>
    private PoolWorker? TakePipeliningLocked(PendingCall call)
    {
        int? max = _options.MaxCallsPerWorker;
        for (int i = _pipelining.Count - 1; i >= 0; i--)
        {
            PoolWorker worker = _pipelining[i];
            int inFlight = worker.InFlight;
            long held = worker.HeldWorkTicks;
            if (worker.Removed || inFlight == 0 || inFlight >= worker.Capacity || !HasRoomAhead(held) || (max is int limit && worker.CallsDone + inFlight >= limit))
            {
                // Gone, idle again (then it is on the idle stack), full or recycling soon: no longer able to take a call ahead.
                worker.InPipelining = false;
                _pipelining.RemoveAt(i);
                continue;
            }

            if (!MayTake(worker, call, inFlight, held))
            {
                continue;
            }

            if (inFlight + 1 >= worker.Capacity)
            {
                worker.InPipelining = false;
                _pipelining.RemoveAt(i);
            }

            return worker;
        }

        return null;
    }
}

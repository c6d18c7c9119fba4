using Spindle.Backends;
using Spindle.Calls.Serialization;
using Spindle.Pools;

namespace Spindle.Cluster.Client;

/// <summary>
/// One of a cluster pool's workers: a place for one call in flight in the cluster. Dispatching publishes the call to
/// the work-queue stream; whichever agent claims it runs it; its answer (a result, a crash, silence) ends it here.
/// A crash, a lost agent or a stopped call ends this worker too, as a process worker's death would, and the pool's
/// supervision decides the rest (a retry is a new attempt any agent may take) and starts a new one.
/// </summary>
internal sealed class ClusterWorker : PoolWorker
{
    private readonly IWorkerReports _pool;
    private readonly ClusterClient _client;
    private readonly ValueCodec _codec;
    private readonly int _index;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private Flight? _flight;
    private bool _gone;
    private bool _retiring;

    public ClusterWorker(IWorkerReports pool, ClusterClient client, ValueCodec codec, int index)
    {
        _pool = pool;
        _client = client;
        _codec = codec;
        _index = index;
    }

    public override int Id => _index;

    public override string Description => _flight?.Agent is { } agent ? $"cluster worker {_index} (agent {agent})" : $"cluster worker {_index}";

    public override PendingCall? Running => Volatile.Read(ref _flight)?.Call;

    public override Task Exited => _exited.Task;

    public override void Dispatch(PendingCall call)
    {
        Flight? flight = null;
        lock (_lock)
        {
            if (!_gone)
            {
                flight = _client.Track(call, this);
                Volatile.Write(ref _flight, flight);
            }
        }

        if (flight is null)
        {
            // This worker ended after the pool picked it: the call never left, so it goes elsewhere.
            _pool.Redispatch(call);
            return;
        }

        // Its timeout counts from now: time waiting in the stream for a free agent is part of the call.
        _pool.ArmTimeout(call, this);
        _client.Publish(flight);
    }

    public override void CancelRunning(PendingCall call)
    {
        if (Volatile.Read(ref _flight) is not { } flight || flight.Call != call)
        {
            return;
        }

        if (flight.TryWithdraw())
        {
            // Still waiting in the stream: no agent will run it (its claim is refused), so it ends cancelled now.
            if (Take(call) is not null)
            {
                _client.Forget(flight, unwanted: true);
                End(flight, exit: null, WorkerExitReason.KilledForCall, c => c.TryCancel());
            }

            return;
        }

        _client.SendStop(flight, kill: false);
    }

    /// <summary>Takes back <paramref name="call"/> while it waits in the stream: no agent will run it (its claim is refused).</summary>
    public override bool TryWithdraw(PendingCall call) =>
        Volatile.Read(ref _flight) is { } flight && flight.Call == call && flight.TryWithdraw();

    public override string? UnansweredOffer(PendingCall call) =>
        Volatile.Read(ref _flight) is { } flight && flight.Call == call && flight.UnansweredOfferTo is { } agent ? $"agent '{agent}' directly" : null;

    public override void StopCall(PendingCall call, Action<PendingCall> verdict)
    {
        if (Take(call) is { } flight)
        {
            _client.Forget(flight, unwanted: true);
            _client.SendStop(flight, kill: true);
            End(flight, exit: null, WorkerExitReason.KilledForCall, verdict);
        }
    }

    public override void Retire()
    {
        lock (_lock)
        {
            _retiring = true;
            if (_flight is not null)
            {
                return;
            }

            _gone = true;
        }

        _exited.TrySetResult();
    }

    public override void Kill()
    {
        Flight? flight;
        lock (_lock)
        {
            _retiring = true;
            flight = _flight;
        }

        if (flight is not null && Take(flight.Call) is not null)
        {
            // The pool is going away: a waiting call leaves the stream as a cancelled one does (an agent that heard from
            // this client lately would start it without a claim), and a running one is stopped.
            _client.Forget(flight, unwanted: true);
            _client.SendStop(flight, kill: true);
            End(flight, exit: null, WorkerExitReason.Terminated, verdict: null);
            return;
        }

        Retire();
    }

    /// <summary>The call's result payload arrived (the client took the flight out already): decode it and complete the call.</summary>
    public void OnResult(Flight flight, ReadOnlySpan<byte> payload, int workerProcessId)
    {
        if (Take(flight.Call) is null)
        {
            return;
        }

        ((IEncodedCall)flight.Call).ReadFromWire(payload, _codec, workerProcessId);
        CallsDone++;
        bool retiring;
        lock (_lock)
        {
            retiring = _retiring;
            _gone |= retiring;
        }

        _pool.OnCallFinished(this);
        if (retiring)
        {
            _exited.TrySetResult();
        }

        flight.Call.DisarmTimers();
        flight.Call.Publish();
        _pool.Finish(flight.Call);
    }

    /// <summary>The call's worker process crashed on its agent, or the agent went silent: a crash, for the pool to retry or report.</summary>
    public void OnCrashed(Flight flight, WorkerExit exit)
    {
        if (Take(flight.Call) is not null)
        {
            End(flight, exit, WorkerExitReason.Crashed, verdict: null);
        }
    }

    /// <summary>The call could not be run (not published, or the agent could not start it): it fails with <paramref name="error"/>.</summary>
    public void OnFailed(Flight flight, Exception error)
    {
        if (Take(flight.Call) is not null)
        {
            End(flight, exit: null, WorkerExitReason.KilledForCall, c => c.TryFail(error));
        }
    }

    /// <summary>Takes the running flight if it is <paramref name="call"/>'s: whoever takes it decides how it ends.</summary>
    private Flight? Take(PendingCall call)
    {
        lock (_lock)
        {
            Flight? flight = _flight;
            if (flight is null || flight.Call != call)
            {
                return null;
            }

            _flight = null;
            return flight;
        }
    }

    private void End(Flight flight, WorkerExit? exit, WorkerExitReason reason, Action<PendingCall>? verdict)
    {
        lock (_lock)
        {
            _gone = true;
        }

        _pool.OnWorkerExited(this, exit, reason, flight.Call, verdict);
        _exited.TrySetResult();
    }
}

using Spindle.Calls.Serialization;
using Spindle.Processes;

namespace Spindle.Pools;

/// <summary>A worker process: sends each call's frame to its <see cref="ChildWorker"/> and completes the call from the result.</summary>
internal sealed class ProcessSlot : PoolSlot
{
    private readonly CallDispatcher _dispatcher;
    private readonly ChildWorker _child;
    private readonly ValueCodec _codec;
    private Action<PendingCall>? _verdict;

    public ProcessSlot(CallDispatcher dispatcher, ChildWorker child, ValueCodec codec)
    {
        _dispatcher = dispatcher;
        _child = child;
        _codec = codec;
        _child.Run(OnResult, OnExit);
    }

    public override int Id => _child.ProcessId;

    public override Task Exited => _child.Exited;

    public override void Dispatch(PendingCall call)
    {
        Running = call;
        // If the send fails the worker is gone; the reader thread reports the exit and the call fails there.
        _child.TrySend(call.Frame!.WrittenSpan);
    }

    public override void CancelRunning(PendingCall call)
    {
        if (Running == call)
        {
            _child.Cancel(call.Id);
        }
    }

    public override void StopCall(PendingCall call, Action<PendingCall> verdict)
    {
        if (Running == call && Interlocked.CompareExchange(ref _verdict, verdict, null) is null)
        {
            _child.Kill();
        }
    }

    public override void Retire() => _child.Close();

    public override void Kill() => _child.Kill();

    private void OnResult(ReadOnlySpan<byte> payload)
    {
        PendingCall? call = Running;
        Running = null;
        CallsDone++;
        call?.CompleteFromWire(payload, _codec, _child.ProcessId);
        _dispatcher.OnCallFinished(this, call);
    }

    private void OnExit(WorkerExit exit)
    {
        PendingCall? call = Running;
        Running = null;
        Action<PendingCall>? verdict = _verdict;
        WorkerExitReason reason = verdict is not null ? WorkerExitReason.KilledForCall
            : _dispatcher.Terminated ? WorkerExitReason.Terminated
            : _child.Stopping && call is null ? WorkerExitReason.Retired
            : WorkerExitReason.Crashed;
        _dispatcher.OnSlotExited(this, exit, reason, call, verdict);
        _child.Dispose();
    }
}

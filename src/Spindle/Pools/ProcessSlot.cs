using Spindle.Calls.Serialization;
using Spindle.Processes;
using Spindle.Workers;

namespace Spindle.Pools;

/// <summary>A worker process: sends each call's frame to its <see cref="ChildWorker"/> and completes the call from the result.</summary>
internal sealed class ProcessSlot : PoolSlot
{
    private readonly CallDispatcher _dispatcher;
    private readonly ChildWorker _child;
    private readonly ValueCodec _codec;

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
        call?.TryFail(_dispatcher.Terminated ? new OperationCanceledException("The pool was terminated while the call was running.") : new WorkerCrashedException(exit));
        _dispatcher.OnSlotExited(this, exit, unexpected: !_child.Stopping, call);
        _child.Dispose();
    }
}

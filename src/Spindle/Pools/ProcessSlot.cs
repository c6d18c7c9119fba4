using Spindle.Calls.Serialization;
using Spindle.Processes;

namespace Spindle.Pools;

/// <summary>
/// A worker process: sends each call's frame to its <see cref="ChildWorker"/> and completes the call from the result.
/// With a pipeline depth above 1, later calls wait in the worker's socket behind the running one, in order.
/// </summary>
internal sealed class ProcessSlot : PoolSlot
{
    private readonly CallDispatcher _dispatcher;
    private readonly ChildWorker _child;
    private readonly ValueCodec _codec;
    private readonly Queue<PendingCall> _sent = new();
    private readonly Lock _sentLock = new();
    private readonly int _capacity;
    private Action<PendingCall>? _verdict;
    private bool _exited;

    public ProcessSlot(CallDispatcher dispatcher, ChildWorker child, ValueCodec codec, int capacity)
    {
        _dispatcher = dispatcher;
        _child = child;
        _codec = codec;
        _capacity = capacity;
        _child.Run(OnResult, OnExit);
    }

    public override int Capacity => _capacity;

    public override int InFlight
    {
        get
        {
            lock (_sentLock)
            {
                return _sent.Count;
            }
        }
    }

    public override int Id => _child.ProcessId;

    public override Task Exited => _child.Exited;

    public override void Dispatch(PendingCall call)
    {
        bool startsNow;
        bool exited;
        lock (_sentLock)
        {
            exited = _exited;
            if (exited)
            {
                startsNow = false;
            }
            else
            {
                _sent.Enqueue(call);
                startsNow = _sent.Count == 1;
                if (startsNow)
                {
                    Running = call;
                }
            }
        }

        if (exited)
        {
            // The worker died after the dispatcher picked it and its exit has been dealt with: nobody would ever
            // complete this call here. It never started, so it goes elsewhere.
            _dispatcher.Redispatch(call);
            return;
        }

        // A call's timeout starts when the worker starts it: now, or when the call ahead of it finishes.
        if (startsNow)
        {
            _dispatcher.ArmTimeout(call, this);
        }

        // If the send fails the worker is gone; the reader thread reports the exit and the call fails there.
        _child.TrySend(call.Frame!.WrittenSpan);
    }

    public override void CancelRunning(PendingCall call)
    {
        bool sent;
        lock (_sentLock)
        {
            sent = _sent.Contains(call);
        }

        // Also for a call still waiting behind another: the worker remembers it and cancels it as it starts.
        if (sent)
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
        PendingCall? call;
        PendingCall? next;
        lock (_sentLock)
        {
            _sent.TryDequeue(out call);
            _sent.TryPeek(out next);
            Running = next;
        }

        CallsDone++;
        call?.CompleteFromWire(payload, _codec, _child.ProcessId);
        if (next is not null)
        {
            _dispatcher.ArmTimeout(next, this);
        }

        _dispatcher.OnCallFinished(this, call);
    }

    private void OnExit(WorkerExit exit)
    {
        PendingCall[] sent;
        lock (_sentLock)
        {
            _exited = true;
            sent = [.. _sent];
            _sent.Clear();
            Running = null;
        }

        PendingCall? call = sent.Length > 0 ? sent[0] : null;
        Action<PendingCall>? verdict = _verdict;
        WorkerExitReason reason = verdict is not null ? WorkerExitReason.KilledForCall
            : _dispatcher.Terminated ? WorkerExitReason.Terminated
            : _child.Stopping && call is null ? WorkerExitReason.Retired
            : WorkerExitReason.Crashed;
        _dispatcher.OnSlotExited(this, exit, reason, call, verdict, neverStarted: sent.Length > 1 ? sent[1..] : []);
        _child.Dispose();
    }
}

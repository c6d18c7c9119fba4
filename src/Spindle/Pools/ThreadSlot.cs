namespace Spindle.Pools;

/// <summary>
/// A worker thread: a dedicated thread that runs handed-over calls in this process, no serialization.
/// It cannot be killed; cancellation is cooperative only (the seeds' trade-off: threads share the process).
/// </summary>
internal sealed class ThreadSlot : PoolSlot
{
    private readonly CallDispatcher _dispatcher;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Thread _thread;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PendingCall? _next;
    private CancellationTokenSource? _cancellation;
    private volatile bool _stopping;

    public ThreadSlot(CallDispatcher dispatcher, int index)
    {
        _dispatcher = dispatcher;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"Spindle worker thread {index}" };
        _thread.Start();
    }

    public override int Id => _thread.ManagedThreadId;

    public override Task Exited => _exited.Task;

    public override void Dispatch(PendingCall call)
    {
        Volatile.Write(ref _next, call);
        _signal.Release();
    }

    public override void CancelRunning(PendingCall call)
    {
        if (Running == call)
        {
            try
            {
                _cancellation?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Finished as the cancellation came in.
            }
        }
    }

    public override void StopCall(PendingCall call, Action<PendingCall> verdict)
    {
        if (Running == call)
        {
            CancelRunning(call);
            verdict(call);
        }
    }

    public override void Retire()
    {
        _stopping = true;
        _signal.Release();
    }

    public override void Kill() => Retire();

    private void Loop()
    {
        try
        {
            while (true)
            {
                _signal.Wait();
                PendingCall? call = Interlocked.Exchange(ref _next, null);
                if (call is null)
                {
                    if (_stopping)
                    {
                        return;
                    }

                    continue;
                }

                using (var cancellation = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken))
                {
                    _cancellation = cancellation;
                    Running = call;
                    call.RunHere(cancellation.Token);
                    Running = null;
                    _cancellation = null;
                }

                CallsDone++;
                _dispatcher.OnCallFinished(this, call);
            }
        }
        finally
        {
            _signal.Dispose();
            _exited.TrySetResult();
        }
    }
}

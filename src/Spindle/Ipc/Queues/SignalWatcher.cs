using System.Runtime.Versioning;
using Spindle.Interop;
using Spindle.Shared;
using Spindle.Sync;

namespace Spindle.Ipc.Queues;

/// <summary>
/// Lets async code wait on a queue without blocking a thread each: one background thread per watcher registers as a
/// sleeper on the signal word while anyone waits, and completes the waiters' tasks when the condition may hold, so
/// they look again. The same protocol as <see cref="QueueLock.Sleep"/>: register, then check, then sleep.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class SignalWatcher : IDisposable
{
    private readonly Segment _segment;
    private readonly QueueSignal _signal;
    /// <summary>Whether waiters should look again (or the watcher is stopping).</summary>
    private readonly Func<bool> _ready;
    private readonly object _gate = new();
    private readonly List<Waiter> _pending = [];
    private Thread? _thread;
    private volatile bool _stopped;

    public SignalWatcher(Segment segment, QueueSignal signal, Func<bool> ready)
    {
        _segment = segment;
        _signal = signal;
        _ready = () => ready() || _stopped;
    }

    private sealed class Waiter() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public CancellationTokenRegistration Registration { get; set; }
    }

    /// <summary>Completes when the condition may hold (callers look again), or fails when the queue is disposed here.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var waiter = new Waiter();
        lock (_gate)
        {
            if (_stopped)
            {
                throw new ObjectDisposedException(_segment.Description);
            }

            _pending.Add(waiter);
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "Spindle queue waiter" };
                _thread.Start();
            }
            else
            {
                Monitor.PulseAll(_gate);
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.Register(() =>
            {
                lock (_gate)
                {
                    _pending.Remove(waiter);
                }

                waiter.TrySetCanceled(cancellationToken);
            });
        }

        return waiter.Task;
    }

    /// <summary>Stops the thread and fails pending waits; runs while the segment is still mapped.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }

        // Moves the word, so a thread about to sleep on the old value does not (others in other processes look again, find nothing, sleep).
        Interlocked.Increment(ref *_signal.Word);
        Futex.Wake(_signal.Word);
    }

    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_pending.Count == 0 && !_stopped)
                {
                    Monitor.Wait(_gate);
                }

                if (_stopped)
                {
                    FailAll();
                    return;
                }
            }

            Segment.Lease lease;
            try
            {
                lease = _segment.Use();
            }
            catch (ObjectDisposedException)
            {
                lock (_gate)
                {
                    FailAll();
                }

                return;
            }

            using (lease)
            {
                QueueLock.Sleep(_signal, _ready);
            }

            lock (_gate)
            {
                ReleaseAll();
            }
        }
    }

    private void ReleaseAll()
    {
        foreach (Waiter waiter in _pending)
        {
            waiter.Registration.Dispose();
            waiter.TrySetResult();
        }

        _pending.Clear();
    }

    private void FailAll()
    {
        foreach (Waiter waiter in _pending)
        {
            waiter.Registration.Dispose();
            waiter.TrySetException(new ObjectDisposedException(_segment.Description));
        }

        _pending.Clear();
    }
}

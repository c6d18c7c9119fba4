using Spindle.Shared;
using Spindle.Sync;

namespace Spindle.Ipc.Queues;

/// <summary>
/// Lets async code wait for a signal word in shared memory to change without blocking a thread each: one background
/// thread per watcher sleeps in the futex while anyone is waiting, and completes the waiters' tasks when it moves.
/// </summary>
internal sealed unsafe class SignalWatcher : IDisposable
{
    private readonly Segment _segment;
    private readonly int* _signal;
    private readonly int* _waiters;
    private readonly object _gate = new();
    private readonly List<Waiter> _pending = [];
    private Thread? _thread;
    private bool _stopped;

    public SignalWatcher(Segment segment, int* signal, int* waiters)
    {
        _segment = segment;
        _signal = signal;
        _waiters = waiters;
    }

    private sealed class Waiter(int seen) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public int Seen { get; } = seen;

        public CancellationTokenRegistration Registration { get; set; }
    }

    /// <summary>Completes when the signal is no longer <paramref name="seen"/> (or the watcher stops).</summary>
    public Task WaitChangedAsync(int seen, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var waiter = new Waiter(seen);
        lock (_gate)
        {
            if (_stopped)
            {
                throw new ObjectDisposedException(_segment.Description);
            }

            if (Volatile.Read(ref *_signal) != seen)
            {
                return Task.CompletedTask;
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

        // Wake our own sleeping thread (other processes' waiters wake too, find nothing new, and sleep again).
        Futex.Wake(_signal);
    }

    private void Run()
    {
        while (true)
        {
            int value;
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

                value = Volatile.Read(ref *_signal);
                CompleteChanged(value);
                if (_pending.Count == 0)
                {
                    continue;
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
                Interlocked.Increment(ref *_waiters);
                Futex.Wait(_signal, value, Timeout.InfiniteTimeSpan);
                Interlocked.Decrement(ref *_waiters);
            }
        }
    }

    private void CompleteChanged(int value)
    {
        for (int i = _pending.Count - 1; i >= 0; i--)
        {
            if (_pending[i].Seen != value)
            {
                Waiter waiter = _pending[i];
                _pending.RemoveAt(i);
                waiter.Registration.Dispose();
                waiter.TrySetResult();
            }
        }
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

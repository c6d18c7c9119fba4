using Spindle.Ipc.Queues;
using Spindle.Shared;

namespace Spindle.Ipc;

/// <summary>Waiting: spin briefly, watch, then sleep in the kernel on the queue's signal words (the async path through a watcher thread).</summary>
public sealed unsafe partial class MessageQueue<T>
{
    private Wire.ReadableWatch _watch;

    /// <summary>
    /// Waits until <paramref name="ready"/> may hold: spins briefly first (a peer in the middle of a burst answers
    /// sooner than a wake-up takes), never yielding the core, then sleeps in the kernel on <paramref name="signal"/>.
    /// </summary>
    private void Pause(in QueueSignal signal, Func<bool> ready, ref SpinWait spinner)
    {
        if (!spinner.NextSpinWillYield)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
            return;
        }

        // Then watch a little longer, yielding the core: waking a thread asleep on an idle (virtual) core costs more
        // than most hand-offs (see ReadableWatch, which backs off when watching keeps failing).
        if (_watch.WaitBriefly(static r => r(), ready))
        {
            return;
        }

        using Segment.Lease lease = _segment.Use();
        QueueLock.Sleep(signal, ready);
    }

    /// <summary>Whether a consumer should look again: a message waits, the queue completed, or this instance is closing.</summary>
    private bool HasItems() =>
        Volatile.Read(ref _header->Tail) != Volatile.Read(ref _header->Head) || Volatile.Read(ref _header->Completed) != 0 || _segment.IsDisposing;

    /// <summary>Whether a producer should look again: a slot is free, the queue completed, or this instance is closing.</summary>
    private bool HasSpace() =>
        Volatile.Read(ref _header->Tail) - Volatile.Read(ref _header->Head) < _capacity || Volatile.Read(ref _header->Completed) != 0 || _segment.IsDisposing;

    private SignalWatcher ItemsWatcher =>
        _itemsWatcher ?? Interlocked.CompareExchange(ref _itemsWatcher, new SignalWatcher(_segment, QueueSignal.Items(_header), _hasItems), null) ?? _itemsWatcher;

    private SignalWatcher SpaceWatcher =>
        _spaceWatcher ?? Interlocked.CompareExchange(ref _spaceWatcher, new SignalWatcher(_segment, QueueSignal.Space(_header), _hasSpace), null) ?? _spaceWatcher;
}

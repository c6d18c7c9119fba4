using System.Collections;

namespace Spindle.Pools;

/// <summary>
/// The dispatcher's queue of calls waiting for a worker: first in, first out, and any call can leave from the middle
/// when it is cancelled. The links live in the calls themselves, so queueing a call allocates nothing. Not
/// thread-safe: the dispatcher's lock guards it.
/// </summary>
internal sealed class CallQueue : IEnumerable<PendingCall>
{
    private PendingCall? _first;
    private PendingCall? _last;

    public int Count { get; private set; }

    public PendingCall? First => _first;

    public void AddLast(PendingCall call)
    {
        Link(call);
        call.QueuePrevious = _last;
        if (_last is null)
        {
            _first = call;
        }
        else
        {
            _last.QueueNext = call;
        }

        _last = call;
    }

    public void AddFirst(PendingCall call)
    {
        Link(call);
        call.QueueNext = _first;
        if (_first is null)
        {
            _last = call;
        }
        else
        {
            _first.QueuePrevious = call;
        }

        _first = call;
    }

    /// <summary>Takes <paramref name="call"/> out wherever it is; false if it was not queued.</summary>
    public bool Remove(PendingCall call)
    {
        if (!call.IsQueued)
        {
            return false;
        }

        if (call.QueuePrevious is null)
        {
            _first = call.QueueNext;
        }
        else
        {
            call.QueuePrevious.QueueNext = call.QueueNext;
        }

        if (call.QueueNext is null)
        {
            _last = call.QueuePrevious;
        }
        else
        {
            call.QueueNext.QueuePrevious = call.QueuePrevious;
        }

        Unlink(call);
        Count--;
        return true;
    }

    public PendingCall RemoveFirst()
    {
        PendingCall call = _first ?? throw new InvalidOperationException("The queue is empty.");
        Remove(call);
        return call;
    }

    public void Clear()
    {
        while (_first is not null)
        {
            RemoveFirst();
        }
    }

    public IEnumerator<PendingCall> GetEnumerator()
    {
        for (PendingCall? call = _first; call is not null; call = call.QueueNext)
        {
            yield return call;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void Link(PendingCall call)
    {
        if (call.IsQueued)
        {
            throw new InvalidOperationException($"Call {call.Id} is queued already.");
        }

        call.IsQueued = true;
        Count++;
    }

    private static void Unlink(PendingCall call)
    {
        call.IsQueued = false;
        call.QueuePrevious = null;
        call.QueueNext = null;
    }
}

using Spindle;
using Spindle.Pools;

namespace Spindle.Tests.Pools;

/// <summary>The dispatcher's intrusive queue: first in first out, removal from anywhere, no call queued twice.</summary>
public class CallQueueTests
{
    [Fact]
    public void Calls_LeaveInOrder_AndACancelledOneLeavesFromTheMiddle()
    {
        var queue = new CallQueue();
        PendingCall[] calls = [.. Enumerable.Range(0, 5).Select(_ => NewCall())];
        foreach (PendingCall call in calls)
        {
            queue.AddLast(call);
        }

        Assert.True(queue.Remove(calls[2]));
        Assert.False(queue.Remove(calls[2]));
        queue.AddFirst(calls[2]);

        Assert.Equal(5, queue.Count);
        Assert.Equal([calls[2], calls[0], calls[1], calls[3], calls[4]], queue.ToArray());
        Assert.Same(calls[2], queue.RemoveFirst());
        Assert.True(queue.Remove(calls[4]));
        Assert.True(queue.Remove(calls[0]));
        Assert.Equal([calls[1], calls[3]], queue.ToArray());
        queue.Clear();
        Assert.Equal(0, queue.Count);
        Assert.Null(queue.First);
        Assert.All(calls, c => Assert.False(c.IsQueued));
    }

    [Fact]
    public void AddingAQueuedCall_Throws()
    {
        var queue = new CallQueue();
        PendingCall call = NewCall();
        queue.AddLast(call);

        Assert.Throws<InvalidOperationException>(() => queue.AddFirst(call));
        Assert.Equal(1, queue.Count);
    }

    private static PendingCall<int> NewCall() => new EncodedCall<int>(CancellationToken.None);
}

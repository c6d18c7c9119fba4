using Spindle.Ipc;
using Spindle.Shared;

namespace Spindle.Tests.Ipc;

/// <summary>Misuse of queues gets a clear error at the call site.</summary>
public class MessageQueueBadInputTests
{
    [Fact]
    public void Open_NameThatDoesNotExist_ThrowsNotFound()
    {
        var missing = Assert.Throws<SharedObjectNotFoundException>(() => MessageQueue.Open<int>($"no-such-queue-{Guid.NewGuid():N}"));
        Assert.Contains("no-such-queue", missing.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MessageQueue.Open<int>("../etc"));
    }

    [Fact]
    public void Open_WithAnotherMessageType_ThrowsNamingBoth()
    {
        using MessageQueue<int> queue = MessageQueue.Create<int>();
        var wrong = Assert.Throws<SharedObjectException>(() => MessageQueue.Open<string>(queue.Name));
        Assert.Contains("System.Int32", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("System.String", wrong.Message, StringComparison.Ordinal);
        using SharedMemory memory = SharedMemory.Create(64);
        Assert.Throws<SharedObjectException>(() => MessageQueue.Open<int>(memory.Name));
    }

    [Fact]
    public void Create_NameTaken_Throws()
    {
        using MessageQueue<int> queue = MessageQueue.Create<int>();
        Assert.Throws<SharedObjectException>(() => MessageQueue.Create<int>(name: queue.Name));
    }

    [Fact]
    public void Enqueue_OverTheLimit_ThrowsNamingTheOption_AndTheQueueStaysUsable()
    {
        using MessageQueue<byte[]> queue = MessageQueue.Create<byte[]>(new MessageQueueOptions { MaxMessageBytes = 100 });
        var tooBig = Assert.Throws<MessageTooLargeException>(() => queue.TryEnqueue(new byte[101]));
        Assert.Contains("MessageQueueOptions.MaxMessageBytes", tooBig.Message, StringComparison.Ordinal);
        Assert.Throws<MessageTooLargeException>(() => queue.Enqueue(new byte[101]));
        queue.Enqueue(new byte[100]);
        Assert.Equal(100, queue.Dequeue().Length);
    }

    [Fact]
    public async Task UseAfterDispose_ThrowsObjectDisposed()
    {
        MessageQueue<int> queue = MessageQueue.Create<int>();
        queue.Dispose();
        Assert.Throws<ObjectDisposedException>(() => queue.TryEnqueue(1));
        Assert.Throws<ObjectDisposedException>(() => queue.Dequeue());
        Assert.Throws<ObjectDisposedException>(() => queue.Count);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.DequeueAsync().AsTask());
    }

    [Fact]
    public void Options_OutOfRange_ThrowNamingTheOption()
    {
        Assert.Equal("Capacity", Assert.Throws<ArgumentOutOfRangeException>(() => new MessageQueueOptions { Capacity = 0 }).ParamName);
        Assert.Equal("MaxMessageBytes", Assert.Throws<ArgumentOutOfRangeException>(() => new MessageQueueOptions { MaxMessageBytes = 0 }).ParamName);
        Assert.Equal("MaxMessageBytes", Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { MaxMessageBytes = -1 }).ParamName);
        Assert.Equal("HandshakeTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { HandshakeTimeout = TimeSpan.Zero }).ParamName);
    }
}

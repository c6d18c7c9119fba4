using Spindle.Ipc;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>The README's IPC examples, as written there, run against a real worker process.</summary>
public class ReadmeExamplesTests
{
    public sealed record Job(int Id, string Name);

    [Fact]
    public async Task PipeExample()
    {
        await using WorkerPool pool = TestPools.Process();
        var (mine, theirs) = Pipe.Create();
        Task worker = pool.RunAsync(static (Connection end) => end.Send(end.Receive<string>().Length), theirs);
        await mine.SendAsync("hello");
        int length = await mine.ReceiveAsync<int>();   // 5
        Assert.Equal(5, length);
        await worker.Within("the worker");
        mine.Dispose();
    }

    [Fact]
    public async Task QueueExample()
    {
        await using WorkerPool pool = TestPools.Process();
        using var jobs = MessageQueue.Create<Job>(new MessageQueueOptions { Capacity = 256 });
        Task<int> consumer = pool.RunAsync(static async (MessageQueue<Job> q) => { int n = 0; await foreach (Job job in q.ReadAllAsync()) { n++; } return n; }, jobs);
        await jobs.EnqueueAsync(new Job(1, "render"));
        jobs.Complete();
        int handled = await consumer.Within("the consumer");                    // 1
        Assert.Equal(1, handled);
    }

    [Fact]
    public void QueueBytesExample()
    {
        byte[] image = [.. Enumerable.Range(0, 3 << 20).Select(i => (byte)(i * 13))];
        int used = (2 << 20) + 5;
        using var frames = MessageQueue.Create<byte[]>(new MessageQueueOptions { MaxMessageBytes = 16 << 20, Capacity = 4 });
        frames.EnqueueBytes(image.AsSpan(0, used));
        byte[] buffer = new byte[frames.MaxMessageBytes];
        int length = frames.DequeueBytes(buffer);        // == used
        Assert.Equal(used, length);
        Assert.True(image.AsSpan(0, used).SequenceEqual(buffer.AsSpan(0, length)));
    }

    [Fact]
    public async Task ListenerExample()
    {
        await using WorkerPool pool = TestPools.Process();
        byte[] key = "a key both sides were given"u8.ToArray();
        using var listener = new Listener("tcp:127.0.0.1:0", key);     // or new Listener(key): a private Unix socket
        Task worker = pool.RunAsync(static (string at, byte[] k) => { using var c = Client.Connect(at, k); c.Send("hi"); }, listener.Address, key);
        using Connection client = await listener.AcceptAsync().AsTask().Within("the worker's connection");
        string greeting = client.Receive<string>();
        Assert.Equal("hi", greeting);
        await worker.Within("the worker");
    }
}

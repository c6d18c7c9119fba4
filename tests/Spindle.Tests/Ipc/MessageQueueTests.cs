using System.Diagnostics;
using Spindle.Ipc;
using Spindle;
using Spindle.Pools;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>The shared-memory queue between threads and between real processes, including consumers that die.</summary>
public class MessageQueueTests
{
    public sealed record Job(int Id, string Text);

    [Fact]
    public async Task ProducersAndConsumers_AcrossProcesses_EveryMessageExactlyOnce()
    {
        const int PerProducer = 3000;
        await using MessageQueue<Job> queue = MessageQueue.Create<Job>(new MessageQueueOptions { Capacity = 32 });
        await using WorkerPool pool = TestPools.Process(workers: 4);
        Task[] producers = [.. Enumerable.Range(0, 2).Select(p => pool.RunAsync(static async (MessageQueue<Job> q, int first) =>
        {
            for (int i = first; i < first + PerProducer; i++)
            {
                await q.EnqueueAsync(new Job(i, $"job {i}"));
            }
        }, queue, p * PerProducer))];
        Task<int[]>[] consumers = [.. Enumerable.Range(0, 2).Select(_ => pool.RunAsync(static async (MessageQueue<Job> q) =>
        {
            var seen = new List<int>();
            await foreach (Job job in q.ReadAllAsync())
            {
                Assert.Equal($"job {job.Id}", job.Text);
                seen.Add(job.Id);
            }

            return seen.ToArray();
        }, queue))];

        await Task.WhenAll(producers).Within("the producers");
        queue.Complete();
        int[][] consumed = await Task.WhenAll(consumers).Within("the consumers");
        Assert.Equal(Enumerable.Range(0, 2 * PerProducer), consumed.SelectMany(c => c).Order());
        Assert.True(queue.IsCompleted);
    }

    [Fact]
    public async Task ConsumerProcessKilledMidStream_NoMessageLostOrDuplicated()
    {
        const int Messages = 2000;
        await using MessageQueue<int> queue = MessageQueue.Create<int>(new MessageQueueOptions { Capacity = 16 });
        await using MessageQueue<int> done = MessageQueue.Create<int>(new MessageQueueOptions { Capacity = Messages, MaxMessageBytes = 64 });
        await using WorkerPool pool = TestPools.Process(workers: 2);

        // The survivor starts consuming only once the doomed consumer is about to die: were both to start at once, the
        // survivor could drain the queue before the doomed one took its 150th message.
        using SharedEvent doomedAt150 = SharedEvent.Create();
        Task<int> doomed = pool.RunAsync(static int (MessageQueue<int> q, MessageQueue<int> results, SharedEvent dying) =>
        {
            for (int n = 1; ; n++)
            {
                results.Enqueue(q.Dequeue());
                if (n == 150)
                {
                    dying.Set();
                    Die.Now(DeathKind.Sigkill); // between two messages, while producers are still producing
                }
            }
        }, queue, done, doomedAt150);
        Task<int> survivor = pool.RunAsync(static int (MessageQueue<int> q, MessageQueue<int> results, SharedEvent dying) =>
        {
            if (!dying.TryWait(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("the doomed consumer never reached its 150th message");
            }

            int taken = 0;
            foreach (int item in q.ReadAllAsync().ToBlockingEnumerable())
            {
                results.Enqueue(item);
                taken++;
            }

            return taken;
        }, queue, done, doomedAt150);

        for (int i = 0; i < Messages; i++)
        {
            await queue.EnqueueAsync(i).AsTask().Within($"room for message {i}");
        }

        queue.Complete();
        await Assert.ThrowsAsync<WorkerCrashedException>(() => doomed.Within("the killed consumer"));
        await survivor.Within("the surviving consumer");
        var seen = new List<int>();
        while (done.TryDequeue(out int item))
        {
            seen.Add(item);
        }

        Assert.Equal(Enumerable.Range(0, Messages), seen.Order());
    }

    [Fact]
    public async Task ConsumerKilledWhileWaiting_MessagesReachTheOtherConsumers()
    {
        await using MessageQueue<int> queue = MessageQueue.Create<int>();
        await using MessageQueue<int> ready = MessageQueue.Create<int>();
        await using var waiter = new WorkerProcess(static (MessageQueue<int> q, MessageQueue<int> r) =>
        {
            r.Enqueue(Environment.ProcessId);
            q.Dequeue();
        }, queue, ready);
        waiter.Start();
        int pid = await ready.DequeueAsync().AsTask().Within("the waiting consumer to start");
        Assert.NotEqual(Environment.ProcessId, pid);
        await Bounded.Eventually(() => queue.SleepingConsumers == 1, "the consumer sleeps in Dequeue");
        waiter.Kill();
        await waiter.JoinAsync().Within("the killed consumer to exit");

        Task<int[]> reader = Task.Run(() => Enumerable.Range(0, 10).Select(_ => queue.Dequeue()).ToArray());
        for (int i = 0; i < 10; i++)
        {
            queue.Enqueue(i);
        }

        Assert.Equal(Enumerable.Range(0, 10), await reader.Within("ten messages after the kill"));
    }

    [Fact]
    public async Task ConsumerKilledAtARandomMoment_QueueKeepsWorking()
    {
        await using MessageQueue<long> queue = MessageQueue.Create<long>(new MessageQueueOptions { Capacity = 8 });
        await using var hammer = new WorkerProcess(static (MessageQueue<long> q) =>
        {
            while (true)
            {
                q.Enqueue(q.Dequeue());
            }
        }, queue);
        hammer.Start();
        for (long i = 0; i < 4; i++)
        {
            queue.Enqueue(i);
        }

        await Task.Delay(200);
        hammer.Kill();
        await hammer.JoinAsync().Within("the killed consumer to exit");

        // Whatever it held (the queue's lock included) must not wedge the queue.
        var drain = Task.Run(() =>
        {
            int count = 0;
            while (queue.TryDequeue(out _))
            {
                count++;
            }

            queue.Enqueue(99);
            return (count, queue.Dequeue());
        });
        (int left, long last) = await drain.Within("the queue after the kill");
        Assert.InRange(left, 3, 4);
        Assert.Equal(99, last);
    }

    [Fact]
    public async Task Threads_FifoBackpressureAndCompletion()
    {
        await using MessageQueue<string?> queue = MessageQueue.Create<string?>(new MessageQueueOptions { Capacity = 2 });
        Assert.True(queue.TryEnqueue("a"));
        Assert.True(queue.TryEnqueue(null));
        Assert.False(queue.TryEnqueue("c"));
        Task blocked = queue.EnqueueAsync("c").AsTask();
        Assert.False(blocked.IsCompleted);
        Assert.Equal("a", await queue.DequeueAsync());
        await blocked.Within("the producer waiting for room");
        Assert.Null(queue.Dequeue());
        queue.Complete();
        Assert.Throws<QueueCompletedException>(() => queue.TryEnqueue("d"));
        Assert.Equal(["c"], await queue.ReadAllAsync().ToListAsync());
        await Assert.ThrowsAsync<QueueCompletedException>(() => queue.DequeueAsync().AsTask());
        Assert.Throws<QueueCompletedException>(() => queue.Dequeue());
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public async Task AsyncWaits_Cancelled_ThrowOperationCanceled()
    {
        await using MessageQueue<int> queue = MessageQueue.Create<int>(new MessageQueueOptions { Capacity = 1 });
        using (var cancel = new CancellationTokenSource(Bounded.Expected))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.DequeueAsync(cancel.Token).AsTask().Within("a cancelled dequeue"));
        }

        queue.Enqueue(1);
        using (var cancel = new CancellationTokenSource(Bounded.Expected))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.EnqueueAsync(2, cancel.Token).AsTask().Within("a cancelled enqueue"));
        }

        Assert.Equal(1, queue.Count);
        Assert.Equal(1, await queue.DequeueAsync().AsTask().Within("the message"));
    }

    [Fact]
    public async Task Dispose_FailsPendingAsyncWaits()
    {
        MessageQueue<int> queue = MessageQueue.Create<int>();
        Task<int> pending = queue.DequeueAsync().AsTask();
        Assert.False(pending.IsCompleted); // registered with the watcher before DequeueAsync returned
        queue.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.Within("the pending dequeue"));
    }
}

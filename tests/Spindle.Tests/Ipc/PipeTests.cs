using System.Diagnostics;
using Spindle.Ipc;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>Pipes between this process and a real worker process, and between threads.</summary>
public class PipeTests
{
    public sealed record Point(int X, string Label);

    [Fact]
    public async Task PingPong_WithWorkerProcess_EveryMessageTypeRoundTrips()
    {
        (Connection mine, Connection theirs) = Pipe.Create();
        using (mine)
        {
            await using WorkerPool pool = TestPools.Process();
            string name = theirs.Transfer();
            Task<int> worker = pool.RunAsync(static (string endName) =>
            {
                using Connection end = Connection.Open(endName);
                for (int i = 0; i < 200; i++)
                {
                    end.Send(end.Receive<int>() + 1);
                }

                end.Send(end.Receive<string>().ToUpperInvariant());
                Point point = end.Receive<Point>();
                end.Send(point with { X = point.X * 2 });
                end.Send(end.Receive<double[]>().Sum());
                byte[] raw = end.ReceiveBytes();
                Array.Reverse(raw);
                end.SendBytes(raw);
                end.Send<string?>(null);
                return Environment.ProcessId;
            }, name);

            await Task.Run(() =>
            {
                for (int i = 0; i < 200; i++)
                {
                    mine.Send(i);
                    Assert.Equal(i + 1, mine.Receive<int>());
                }
            }).Within("200 int round trips");

            await mine.SendAsync("hello");
            Assert.Equal("HELLO", await mine.ReceiveAsync<string>().AsTask().Within("a string back"));
            await mine.SendAsync(new Point(21, "p"));
            Assert.Equal(new Point(42, "p"), await mine.ReceiveAsync<Point>().AsTask().Within("a record back"));
            await mine.SendAsync(new[] { 1.5, 2.5 });
            Assert.Equal(4.0, await mine.ReceiveAsync<double>().AsTask().Within("a sum back"));
            byte[] big = new byte[3 << 20];
            Random.Shared.NextBytes(big);
            await mine.SendBytesAsync(big);
            byte[] back = await mine.ReceiveBytesAsync().AsTask().Within("3 MiB back");
            Array.Reverse(back);
            Assert.Equal(big, back);
            Assert.Null(await mine.ReceiveAsync<string?>().AsTask().Within("a null string"));
            Assert.NotEqual(Environment.ProcessId, await worker.Within("the worker"));
        }
    }

    [Fact]
    public async Task WorkerKilled_Receive_ThrowsConnectionClosed_NotAHang()
    {
        (Connection mine, Connection theirs) = Pipe.Create();
        using (mine)
        {
            await using WorkerPool pool = TestPools.Process();
            Task<int> worker = pool.RunAsync(static (string endName) =>
            {
                Connection end = Connection.Open(endName);
                end.Send(Environment.ProcessId);
                Die.Now(DeathKind.Sigkill);
                return 0;
            }, theirs.Transfer());

            Assert.NotEqual(Environment.ProcessId, await mine.ReceiveAsync<int>().AsTask().Within("the worker's pid"));
            var closed = await Assert.ThrowsAsync<ConnectionClosedException>(() => mine.ReceiveAsync<int>().AsTask().Within("end-of-stream"));
            Assert.False(closed.MidMessage);
            Assert.Throws<ConnectionClosedException>(() => mine.Receive<int>());
            await Assert.ThrowsAsync<WorkerCrashedException>(() => worker.Within("the killed call"));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WorkerKilledMidMessage_Receive_SaysMidMessage_AndLaterCallsFailCleanly(bool blocking)
    {
        (Connection mine, Connection theirs) = Pipe.Create();
        using (mine)
        {
            await using WorkerPool pool = TestPools.Process();
            Task worker = pool.RunAsync(static (string endName) =>
            {
                using Connection end = Connection.Open(endName);
                end.Send(Environment.ProcessId);
                end.SendBytes(new byte[16 << 20]); // blocks part-way: nobody reads until the kill
            }, theirs.Transfer());

            int pid = await mine.ReceiveAsync<int>().AsTask().Within("the worker's pid");
            await Bounded.Eventually(() => mine.Socket.Available > 0, "part of the big message is waiting");
            using (Process process = Process.GetProcessById(pid))
            {
                process.Kill();
            }

            Task<byte[]> receiving = blocking ? Task.Run(mine.ReceiveBytes) : mine.ReceiveBytesAsync().AsTask();
            var closed = await Assert.ThrowsAsync<ConnectionClosedException>(() => receiving.Within("the cut message"));
            Assert.True(closed.MidMessage);
            Assert.Contains("middle of a message", closed.Message, StringComparison.Ordinal);
            Assert.Throws<ConnectionClosedException>(() => mine.Receive<int>());
            await Assert.ThrowsAsync<WorkerCrashedException>(() => worker.Within("the killed call"));
        }
    }

    [Fact]
    public async Task OtherEndDisposed_ReceiveAsync_ThrowsConnectionClosed_AfterDrainingWhatWasSent()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            b.Send(1);
            b.Send(2);
            b.Dispose();
            Assert.Equal(1, a.Receive<int>());
            Assert.Equal(2, await a.ReceiveAsync<int>());
            await Assert.ThrowsAsync<ConnectionClosedException>(() => a.ReceiveAsync<int>().AsTask().Within("end-of-stream"));
            Assert.Throws<ConnectionClosedException>(() => a.Send(3));
        }
    }

    [Fact]
    public async Task DisposedWhileAnotherThreadReceives_ThatThreadGetsObjectDisposed()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (b)
        {
            Task<int> receiving = Task.Run(a.Receive<int>);
            await Bounded.Eventually(() => a.Socket.Available == 0 && receiving.Status == TaskStatus.Running, "the receiver is waiting");
            a.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => receiving.Within("the woken receiver"));
        }
    }

    [Fact]
    public async Task BlockingReceive_MessagesSlowerThanTheReceiverWatches_AllArriveInOrder()
    {
        // Pauses make the receiver give up watching the socket and block (and then block at once for a while);
        // bursts between them are picked up while it watches. Every message must arrive either way.
        (Connection reader, Connection writer) = Pipe.Create(duplex: false);
        using (reader)
        using (writer)
        {
            const int Count = 120;
            Task<List<int>> receiving = Task.Factory.StartNew(
                () => Enumerable.Range(0, Count).Select(_ => reader.Receive<int>()).ToList(),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            for (int i = 0; i < Count; i++)
            {
                if (i % 4 == 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(2));
                }

                writer.Send(i);
            }

            Assert.Equal(Enumerable.Range(0, Count), await receiving.Within("every message"));
        }
    }

    [Fact]
    public async Task ReadAllAsync_EndsWhenTheOtherEndCloses()
    {
        (Connection reader, Connection writer) = Pipe.Create(duplex: false);
        using (reader)
        {
            Task writing = Task.Run(() =>
            {
                using (writer)
                {
                    for (int i = 0; i < 1000; i++)
                    {
                        writer.Send(i);
                    }
                }
            });

            var seen = new List<int>();
            await foreach (int item in reader.ReadAllAsync<int>())
            {
                seen.Add(item);
            }

            await writing.Within("the writer thread");
            Assert.Equal(Enumerable.Range(0, 1000), seen);
        }
    }

    [Fact]
    public async Task ReceiveAsync_Cancelled_ThrowsAndTheEndStaysUsable()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            using var cancel = new CancellationTokenSource(Bounded.Expected);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a.ReceiveAsync<int>(cancel.Token).AsTask().Within("cancellation"));
            b.Send(5);
            Assert.Equal(5, await a.ReceiveAsync<int>().AsTask().Within("a message after cancellation"));
        }
    }

    [Fact]
    public async Task EndPassedAsArgument_TravelsByReference_AndEndOfStreamFollowsTheWorker()
    {
        (Connection mine, Connection theirs) = Pipe.Create();
        using (mine)
        {
            await using WorkerPool pool = TestPools.Process();
            Task<int> worker = pool.RunAsync(static (Connection end) =>
            {
                end.Send(Environment.ProcessId);
                return end.Receive<int>() * 2;
            }, theirs);

            Assert.NotEqual(Environment.ProcessId, await mine.ReceiveAsync<int>().AsTask().Within("the worker's pid"));
            await mine.SendAsync(21);
            Assert.Equal(42, await worker.Within("the worker"));

            // The worker's end was closed when its call ended, and this process kept no copy: end-of-stream, not a hang.
            await Assert.ThrowsAsync<ConnectionClosedException>(() => mine.ReceiveAsync<int>().AsTask().Within("end-of-stream"));
        }
    }

    [Fact]
    public async Task EndPassedToAThread_IsTheSameObject()
    {
        (Connection mine, Connection theirs) = Pipe.Create();
        using (mine)
        using (theirs)
        {
            await using WorkerPool pool = TestPools.Thread();
            Assert.True(await pool.RunAsync(static (Connection a, Connection b) => ReferenceEquals(a, b), theirs, theirs).Within("the thread call"));
            await pool.RunAsync(static (Connection end) => end.Send("from a thread"), theirs).Within("the thread call");
            Assert.Equal("from a thread", mine.Receive<string>());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendAsync_CancelledAfterPartOfALargeMessageWentOut_LeavesTheConnectionUnableToSend(bool raw)
    {
        // Nobody reads: 4 MiB cannot all fit, so the send waits with part of it written when it is cancelled. The
        // connection used to accept the next send, whose bytes the reader then took as the rest of the first message.
        (Connection mine, Connection theirs) = Pipe.Create();
        using (mine)
        using (theirs)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            byte[] big = new byte[4 << 20];
            Task send = raw ? mine.SendBytesAsync(big, cancel.Token).AsTask() : mine.SendAsync(big, cancel.Token).AsTask();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.Within("the cancelled send"));

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => mine.SendAsync("second message").AsTask().Within("the next send"));
            Assert.Contains("can no longer send", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SendAsync_CancelledBeforeItsMessageBegan_LeavesTheConnectionWhole()
    {
        (Connection mine, Connection theirs) = Pipe.Create();
        using (mine)
        using (theirs)
        {
            using var cancelled = new CancellationTokenSource();
            await cancelled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => mine.SendAsync("never sent", cancelled.Token).AsTask().Within("the cancelled send"));

            using var live = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await mine.SendAsync("sent", live.Token).AsTask().Within("a send with a token that is not cancelled");
            Assert.Equal("sent", await theirs.ReceiveAsync<string>().AsTask().Within("the message"));
        }
    }
}

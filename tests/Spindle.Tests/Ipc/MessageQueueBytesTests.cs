using Spindle.Ipc;
using Spindle.Shared;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>
/// Raw bytes through a <c>MessageQueue&lt;byte[]&gt;</c> from spans and into kept buffers (MessageQueueBytes):
/// large messages between real processes with every byte checked, a receiver killed while it copies, bad input.
/// </summary>
public class MessageQueueBytesTests
{
    private const int Largest = 16 << 20;

    [Fact]
    public async Task LargeMessages_AcrossProcesses_ArriveIntact_AndMixWithArrayMessages()
    {
        var options = new MessageQueueOptions { MaxMessageBytes = Largest, Capacity = 2 };
        await using MessageQueue<byte[]> requests = MessageQueue.Create<byte[]>(options);
        await using MessageQueue<byte[]> replies = MessageQueue.Create<byte[]>(options);

        // The far end reverses each message, so an intact reply proves it read every byte, not just passed a slot on.
        await using var echo = new WorkerProcess(static (MessageQueue<byte[]> input, MessageQueue<byte[]> output) =>
        {
            byte[] buffer = new byte[input.MaxMessageBytes];
            try
            {
                while (true)
                {
                    int length = input.DequeueBytes(buffer);
                    buffer.AsSpan(0, length).Reverse();
                    output.EnqueueBytes(buffer.AsSpan(0, length));
                }
            }
            catch (QueueCompletedException)
            {
                output.Complete();
            }
        }, requests, replies);
        echo.Start();

        int[] sizes = [0, 1, 64, 4096 + 3, 1 << 20, (1 << 20) + 17, Largest];
        byte[] reply = new byte[Largest];
        await Task.Run(() =>
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                byte[] message = Pattern(i, sizes[i]);
                byte[] expected = [.. message.Reverse()];
                if (i % 2 == 0)
                {
                    // A slice of a bigger buffer goes as exactly its own bytes.
                    byte[] padded = [0xEE, .. message, 0xEE];
                    requests.EnqueueBytes(padded.AsSpan(1, message.Length));
                    int length = replies.DequeueBytes(reply);
                    Assert.Equal(message.Length, length);
                    Assert.True(expected.AsSpan().SequenceEqual(reply.AsSpan(0, length)), $"message {i} of {sizes[i]} bytes came back changed");
                }
                else
                {
                    // Array messages and span messages are the same on the queue.
                    requests.Enqueue(message);
                    Assert.Equal(expected, replies.Dequeue());
                }
            }

            requests.Complete();
            Assert.Throws<QueueCompletedException>(() => replies.DequeueBytes(reply));
        }).Within("every size echoed by the far process");
        await echo.JoinAsync().Within("the echo process to finish");
    }

    [Fact]
    public async Task ReceiverKilledWhileCopying_OthersGetIntactMessages_AndNothingIsLeftBehind()
    {
        const int Messages = 40;
        const int Size = 4 << 20;
        string name;
        int receiverPid;
        var seenByReceiver = new List<int>();
        var seenAfter = new List<int>();
        await using (MessageQueue<byte[]> queue = MessageQueue.Create<byte[]>(new MessageQueueOptions { MaxMessageBytes = Size, Capacity = 2 }))
        await using (MessageQueue<int> progress = MessageQueue.Create<int>(new MessageQueueOptions { Capacity = Messages + 1 }))
        {
            name = queue.Name;
            await using var receiver = new WorkerProcess(static (MessageQueue<byte[]> q, MessageQueue<int> seen) =>
            {
                seen.Enqueue(-Environment.ProcessId);
                byte[] buffer = new byte[q.MaxMessageBytes];
                while (true)
                {
                    int length = q.DequeueBytes(buffer);
                    seen.Enqueue(Check(buffer.AsSpan(0, length)));
                }
            }, queue, progress);
            receiver.Start();
            Task producer = Task.Run(() =>
            {
                for (int i = 0; i < Messages; i++)
                {
                    queue.EnqueueBytes(Pattern(i, Size - (i * 4096)));
                }
            });

            receiverPid = -await progress.DequeueAsync().AsTask().Within("the receiver to start");
            while (seenByReceiver.Count < 3)
            {
                seenByReceiver.Add(await progress.DequeueAsync().AsTask().Within("the receiver to take a few messages"));
            }

            // Most of the receiver's time goes to copying 4 MiB out of a slot under the queue's lock: kill it there.
            receiver.Kill();
            await receiver.JoinAsync().Within("the killed receiver to exit");
            while (progress.TryDequeue(out int index))
            {
                seenByReceiver.Add(index);
            }

            await Task.Run(async () =>
            {
                byte[] buffer = new byte[Size];
                while (seenByReceiver.Count + seenAfter.Count < Messages - 1 || !producer.IsCompleted || queue.Count > 0)
                {
                    if (queue.TryDequeueBytes(buffer, out int length))
                    {
                        seenAfter.Add(Check(buffer.AsSpan(0, length)));
                    }
                    else
                    {
                        await Task.Yield();
                    }
                }
            }).Within("the rest of the messages after the kill");
            await producer.Within("the producer to finish");
        }

        // Exactly once or (the one the receiver had taken when it died) not at all; never twice, never torn.
        int[] all = [.. seenByReceiver, .. seenAfter];
        Assert.Equal(all.Length, all.Distinct().Count());
        Assert.InRange(all.Length, Messages - 1, Messages);
        Assert.Equal(seenAfter.Order(), seenAfter);
        Assert.False(File.Exists(Path.Combine(SegmentDirectory.Path, name)), $"the queue's segment {name} was left behind");
        Assert.Empty(SharedSegments.NamedFor(receiverPid));
    }

    [Fact]
    public async Task WriterKilledMidMessage_TheMessageIsDroppedWithAnError_AndTheQueueKeepsWorking()
    {
        const int Size = 16 << 20;
        await using MessageQueue<byte[]> queue = MessageQueue.Create<byte[]>(new MessageQueueOptions { MaxMessageBytes = Size, Capacity = 4 });
        (WorkerProcess writer, int pid) = await StartEndlessWriterAsync(queue);
        await using WorkerProcess disposesWriter = writer;

        // Freeze the writer (a real SIGSTOP) until it is caught between publishing a message and finishing it.
        byte[] buffer = new byte[Size];
        var taken = new List<int>();
        bool caught = await Task.Run(() => CatchMidMessage(queue, pid, buffer, taken)).Within("the writer caught mid-message");
        Assert.True(caught, "the writer was never caught in the middle of streaming a 16 MiB message");
        writer.Kill();
        await writer.JoinAsync().Within("the killed writer to exit");

        await Task.Run(() =>
        {
            // Every complete message before it arrives intact; the torn one is dropped with an error naming the writer.
            InvalidDataException? torn = null;
            while (torn is null)
            {
                try
                {
                    taken.Add(Check(buffer.AsSpan(0, queue.DequeueBytes(buffer))));
                }
                catch (InvalidDataException e)
                {
                    torn = e;
                }
            }

            Assert.Contains($"pid {pid}", torn.Message, StringComparison.Ordinal);
            Assert.Equal(0, queue.Count);
            queue.EnqueueBytes(Pattern(1234, 300 << 10));
            Assert.Equal(1234, Check(buffer.AsSpan(0, queue.DequeueBytes(buffer))));
        }).Within("the queue after the writer died");
        Assert.Equal(Enumerable.Range(0, taken.Count), taken);
    }

    [Fact]
    public async Task WriterPausedMidMessage_TheReaderSleepsUntilItResumes_ThenGetsTheMessageWhole()
    {
        const int Size = 16 << 20;
        await using MessageQueue<byte[]> queue = MessageQueue.Create<byte[]>(new MessageQueueOptions { MaxMessageBytes = Size, Capacity = 4 });
        (WorkerProcess writer, int pid) = await StartEndlessWriterAsync(queue);
        await using WorkerProcess disposesWriter = writer;
        byte[] buffer = new byte[Size];
        var taken = new List<int>();
        try
        {
            // Freeze the writer (a real SIGSTOP) between publishing a message and finishing it, as above.
            bool caught = await Task.Run(() => CatchMidMessage(queue, pid, buffer, taken)).Within("the writer caught mid-message");
            Assert.True(caught, "the writer was never caught in the middle of streaming a 16 MiB message");

            // A reader takes every message up to the unfinished one and waits in it; while the writer stays paused it
            // must sleep, not poll: it used to wake every millisecond (about 500 times in this half second).
            int waiting = queue.Count;
            int readerThread = 0;
            var reading = new Thread(() =>
            {
                Volatile.Write(ref readerThread, gettid());
                for (int m = 0; m < waiting; m++)
                {
                    int index = Check(buffer.AsSpan(0, queue.DequeueBytes(buffer)));
                    lock (taken)
                    {
                        taken.Add(index);
                    }
                }
            }) { IsBackground = true, Name = "paused-writer reader" };
            reading.Start();
            await Bounded.Eventually(() => { lock (taken) { return taken.Count >= waiting - 1 && Volatile.Read(ref readerThread) != 0; } }, "the reader to reach the unfinished message");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
            long before = VoluntarySwitches(readerThread);
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            long wakes = VoluntarySwitches(readerThread) - before;

            Assert.Equal(0, Signal(pid, SigCont));
            Assert.True(await Task.Run(() => reading.Join(TimeSpan.FromSeconds(30))).Within("the reader to get the message once the writer resumed"), "the reader never finished after the writer resumed");
            Assert.True(wakes < 50, $"the reader woke {wakes} times in 500 ms while the writer was paused");
            Assert.Equal(Enumerable.Range(0, taken.Count), taken);
        }
        finally
        {
            Signal(pid, SigCont);
            writer.Kill();
            await writer.JoinAsync().Within("the writer to exit");
        }
    }

    /// <summary>A worker process enqueueing <see cref="Pattern"/> messages of the queue's largest size without end, and its pid once it runs.</summary>
    private static async Task<(WorkerProcess Writer, int Pid)> StartEndlessWriterAsync(MessageQueue<byte[]> queue)
    {
        await using MessageQueue<int> started = MessageQueue.Create<int>();
        var writer = new WorkerProcess(static (MessageQueue<byte[]> q, MessageQueue<int> ready) =>
        {
            ready.Enqueue(Environment.ProcessId);
            for (int i = 0; ; i++)
            {
                q.EnqueueBytes(Pattern(i, q.MaxMessageBytes));
            }
        }, queue, started);
        try
        {
            writer.Start();
            return (writer, await started.DequeueAsync().AsTask().Within("the writer to start"));
        }
        catch
        {
            await writer.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGSTOPs the writer until it is stopped with its newest message unfinished (left stopped: true), taking complete messages meanwhile.</summary>
    private static bool CatchMidMessage(MessageQueue<byte[]> queue, int pid, byte[] buffer, List<int> taken)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            Assert.Equal(0, Signal(pid, SigStop));
            if (queue.NewestMessage is { } newest && newest.Written < newest.Length)
            {
                return true;
            }

            Assert.Equal(0, Signal(pid, SigCont));
            while (queue.Count >= 2)
            {
                taken.Add(Check(buffer.AsSpan(0, queue.DequeueBytes(buffer))));
            }

            Thread.Sleep(attempt % 5);
        }

        return false;
    }

    /// <summary>How many times a thread of this process gave up its core (slept) so far, from /proc.</summary>
    private static long VoluntarySwitches(int threadId)
    {
        string line = File.ReadLines($"/proc/self/task/{threadId}/status").Single(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal));
        return long.Parse(line.AsSpan("voluntary_ctxt_switches:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int gettid();

    private const int SigStop = 19;
    private const int SigCont = 18;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    [Fact]
    public void BadInput_NamesTheParameterOrOption_AndTheQueueStaysUsable()
    {
        using MessageQueue<byte[]> queue = MessageQueue.Create<byte[]>(new MessageQueueOptions { MaxMessageBytes = 100, Capacity = 2 });
        var tooBig = Assert.Throws<MessageTooLargeException>(() => queue.EnqueueBytes(new byte[101]));
        Assert.Contains("MessageQueueOptions.MaxMessageBytes", tooBig.Message, StringComparison.Ordinal);
        Assert.Throws<MessageTooLargeException>(() => queue.TryEnqueueBytes(new byte[101]));

        queue.EnqueueBytes(Pattern(7, 50));
        var tooSmall = Assert.Throws<ArgumentException>(() => queue.DequeueBytes(new byte[49]));
        Assert.Equal("destination", tooSmall.ParamName);
        Assert.Equal(1, queue.Count); // the message stays in the queue
        byte[] buffer = new byte[100];
        Assert.True(queue.TryDequeueBytes(buffer, out int length));
        Assert.Equal(7, Check(buffer.AsSpan(0, length)));

        Assert.False(queue.TryDequeueBytes(buffer, out _));
        queue.Enqueue(null!);
        Assert.Equal(-1, queue.DequeueBytes(buffer));
        Assert.Throws<ArgumentNullException>("queue", () => MessageQueueBytes.EnqueueBytes(null!, buffer));
    }

    /// <summary>Message <paramref name="index"/>: its index first (when it fits), then bytes that depend on both index and position.</summary>
    private static byte[] Pattern(int index, int size)
    {
        byte[] bytes = new byte[size];
        for (int k = 0; k < size; k++)
        {
            bytes[k] = (byte)((index * 31) + (k * 7) + (k >> 12));
        }

        if (size >= 4)
        {
            BitConverter.TryWriteBytes(bytes, index);
        }

        return bytes;
    }

    /// <summary>The index of a <see cref="Pattern"/> message, after checking every byte of it.</summary>
    private static int Check(ReadOnlySpan<byte> message)
    {
        int index = BitConverter.ToInt32(message);
        if (!message.SequenceEqual(Pattern(index, message.Length)))
        {
            throw new InvalidDataException($"Message {index} of {message.Length} bytes arrived torn.");
        }

        return index;
    }
}

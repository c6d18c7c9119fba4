using Spindle.Ipc;

namespace Spindle.Bench.Ipc.Echo;

/// <summary>
/// Two <see cref="MessageQueue{T}"/>s, requests and replies, with an echo taking from one and adding to the other.
/// Both ends receive into a buffer they keep (<see cref="MessageQueueBytes"/>), as the raw socket and the pipe do.
/// </summary>
internal sealed class QueueEcho(MessageQueue<byte[]> requests, MessageQueue<byte[]> replies, FarEnd farEnd) : IEcho
{
    public static Task<IEcho> StartAsync(Where where, int maxMessageBytes, int capacity)
    {
        var options = new MessageQueueOptions { MaxMessageBytes = maxMessageBytes, Capacity = capacity };
        MessageQueue<byte[]> requests = MessageQueue.Create<byte[]>(options);
        MessageQueue<byte[]> replies = MessageQueue.Create<byte[]>(options);
        FarEnd far = FarEnd.Start(where, static (MessageQueue<byte[]> input, MessageQueue<byte[]> output) => Serve(input, output), requests, replies);
        return Task.FromResult<IEcho>(new QueueEcho(requests, replies, far));
    }

    public void RoundTrip(byte[] message, byte[] reply)
    {
        requests.EnqueueBytes(message);
        replies.DequeueBytes(reply);
    }

    public void Burst(byte[] message, int count)
    {
        requests.Enqueue([]);
        requests.Enqueue(BitConverter.GetBytes(count));
        for (int i = 0; i < count; i++)
        {
            requests.EnqueueBytes(message);
        }

        if (BitConverter.ToInt32(replies.Dequeue()) != count)
        {
            throw new InvalidOperationException("The echo counted a different number of messages.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        requests.Complete();
        await farEnd.DisposeAsync();
        requests.Dispose();
        replies.Dispose();
    }

    private static void Serve(MessageQueue<byte[]> input, MessageQueue<byte[]> output)
    {
        byte[] buffer = new byte[input.MaxMessageBytes];
        try
        {
            while (true)
            {
                int length = input.DequeueBytes(buffer);
                if (length > 0)
                {
                    output.EnqueueBytes(buffer.AsSpan(0, length));
                    continue;
                }

                int count = BitConverter.ToInt32(input.Dequeue());
                for (int i = 0; i < count; i++)
                {
                    input.DequeueBytes(buffer);
                }

                output.Enqueue(BitConverter.GetBytes(count));
            }
        }
        catch (QueueCompletedException)
        {
            // The bench completed the queue: done.
        }
    }
}

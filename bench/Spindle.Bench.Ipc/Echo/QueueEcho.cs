using Spindle.Ipc;

namespace Spindle.Bench.Ipc.Echo;

/// <summary>Two <see cref="MessageQueue{T}"/>s, requests and replies, with an echo taking from one and adding to the other.</summary>
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
        requests.Enqueue(message);
        replies.Dequeue().CopyTo(reply, 0);
    }

    public void Burst(byte[] message, int count)
    {
        requests.Enqueue([]);
        requests.Enqueue(BitConverter.GetBytes(count));
        for (int i = 0; i < count; i++)
        {
            requests.Enqueue(message);
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
        try
        {
            while (true)
            {
                byte[] message = input.Dequeue();
                if (message.Length > 0)
                {
                    output.Enqueue(message);
                    continue;
                }

                int count = BitConverter.ToInt32(input.Dequeue());
                for (int i = 0; i < count; i++)
                {
                    input.Dequeue();
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

using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Spindle.Bench.Cluster.Setup;

/// <summary>
/// The round trip's baselines. This bench started again as <c>nats-echo URL SUBJECT</c> answers each request on
/// SUBJECT with its 4-byte int plus one (NATS.Net, core NATS, no JetStream), until its standard input closes. Started
/// with <c>--stream</c>, it is the JetStream floor: it makes a work-queue stream on SUBJECT (file storage) and a pull
/// consumer, takes each message with one long-lived pull subscription (a pull request of one message at a time, as
/// a Spindle agent does), answers on core NATS to the inbox named in the message's <see cref="InboxHeader"/>, then acks:
/// what any design that keeps calls in a JetStream work queue pays, with no worker process and no protocol of its own.
/// Started with <c>--relay</c>, it answers on core NATS as the raw responder does, but computes each answer through a
/// local process pool of one worker (<c>await pool.RunAsync(x => x + 1, x)</c>): the least any agent that runs calls
/// in worker processes can cost, with no JetStream and no protocol of its own.
/// </summary>
internal static class NatsEcho
{
    public const string ChildCommand = "nats-echo";

    public const string StreamFlag = "--stream";

    public const string RelayFlag = "--relay";

    public const string Ready = "nats-echo ready";

    public const string InboxHeader = "Bench-Inbox";

    /// <summary>The stream the JetStream floor keeps its messages in, named after its subject.</summary>
    public static string StreamName(string subject) => "BENCH_FLOOR_" + subject.Replace('.', '_');

    public static async Task<int> ServeAsync(string url, string subject, string? mode)
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = url, Name = "spindle bench nats-echo" });
        await nats.ConnectAsync();
        using var stop = new CancellationTokenSource();

        // The parent closes our standard input to stop us (and we stop if it dies).
        _ = Task.Run(async () =>
        {
            await Console.In.ReadToEndAsync();
            await stop.CancelAsync();
        });
        try
        {
            switch (mode)
            {
                case StreamFlag:
                    await ServeStreamAsync(nats, subject, stop.Token);
                    break;
                case RelayFlag:
                    await using (var pool = new WorkerPool(new WorkerPoolOptions { Workers = 1 }))
                    {
                        await pool.RunAsync(x => x + 1, 0);
                        await ServeCoreAsync(nats, subject, x => pool.RunAsync(v => v + 1, x), stop.Token);
                    }

                    break;
                default:
                    await ServeCoreAsync(nats, subject, x => Task.FromResult(x + 1), stop.Token);
                    break;
            }
        }
        catch (OperationCanceledException)
        {
            // Told to stop.
        }

        return 0;
    }

    private static async Task ServeCoreAsync(NatsConnection nats, string subject, Func<int, Task<int>> answer, CancellationToken stop)
    {
        await using INatsSub<byte[]> requests = await nats.SubscribeCoreAsync<byte[]>(subject, cancellationToken: stop);
        await nats.PingAsync(stop);
        Console.WriteLine(Ready);
        await foreach (NatsMsg<byte[]> request in requests.Msgs.ReadAllAsync(stop))
        {
            int x = BitConverter.ToInt32(request.Data);
            await request.ReplyAsync(BitConverter.GetBytes(await answer(x)), cancellationToken: stop);
        }
    }

    private static async Task ServeStreamAsync(NatsConnection nats, string subject, CancellationToken stop)
    {
        var js = new NatsJSContext(nats);
        string name = StreamName(subject);
        await js.CreateStreamAsync(new StreamConfig(name, [subject]) { Retention = StreamConfigRetention.Workqueue, Storage = StreamConfigStorage.File }, stop);
        await js.CreateOrUpdateConsumerAsync(name, new ConsumerConfig("echo") { DurableName = "echo", AckPolicy = ConsumerConfigAckPolicy.Explicit }, stop);
        string inbox = "_INBOX." + Guid.NewGuid().ToString("N");
        await using INatsSub<byte[]> delivered = await nats.SubscribeCoreAsync<byte[]>(inbox, cancellationToken: stop);
        string pullSubject = $"$JS.API.CONSUMER.MSG.NEXT.{name}.echo";
        byte[] pull = Encoding.ASCII.GetBytes("{\"batch\":1,\"expires\":5000000000}");
        byte[] ack = Encoding.ASCII.GetBytes("+ACK");
        await nats.PingAsync(stop);
        Console.WriteLine(Ready);
        await nats.PublishAsync(pullSubject, pull, replyTo: inbox, cancellationToken: stop);
        await foreach (NatsMsg<byte[]> message in delivered.Msgs.ReadAllAsync(stop))
        {
            // The next pull goes out first, as an agent's does once its worker is free; a 408 (expired) only asks again.
            await nats.PublishAsync(pullSubject, pull, replyTo: inbox, cancellationToken: stop);
            if (message.Headers is { Code: >= 100 })
            {
                continue;
            }

            int x = BitConverter.ToInt32(message.Data);
            await nats.PublishAsync(message.Headers![InboxHeader][0]!, BitConverter.GetBytes(x + 1), cancellationToken: stop);
            await nats.PublishAsync(message.ReplyTo!, ack, cancellationToken: stop);
        }
    }
}

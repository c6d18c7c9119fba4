using NATS.Client.Core;

namespace Spindle.Bench.Cluster.Setup;

/// <summary>
/// The round trip's baseline: a raw NATS request-reply between two processes on the same server. This bench started
/// again as <c>nats-echo URL SUBJECT</c> answers each request on SUBJECT with its 4-byte int plus one (NATS.Net, core
/// NATS, no JetStream), until its standard input closes.
/// </summary>
internal static class NatsEcho
{
    public const string ChildCommand = "nats-echo";

    public const string Ready = "nats-echo ready";

    public static async Task<int> ServeAsync(string url, string subject)
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = url, Name = "spindle bench nats-echo" });
        await nats.ConnectAsync();
        using var stop = new CancellationTokenSource();
        await using INatsSub<byte[]> requests = await nats.SubscribeCoreAsync<byte[]>(subject, cancellationToken: stop.Token);
        await nats.PingAsync();
        Console.WriteLine(Ready);

        // The parent closes our standard input to stop us (and we stop if it dies).
        _ = Task.Run(async () =>
        {
            await Console.In.ReadToEndAsync();
            await stop.CancelAsync();
        });
        try
        {
            await foreach (NatsMsg<byte[]> request in requests.Msgs.ReadAllAsync(stop.Token))
            {
                int x = BitConverter.ToInt32(request.Data);
                await request.ReplyAsync(BitConverter.GetBytes(x + 1));
            }
        }
        catch (OperationCanceledException)
        {
            // Told to stop.
        }

        return 0;
    }
}

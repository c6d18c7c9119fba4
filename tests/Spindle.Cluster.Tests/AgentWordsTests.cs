using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Spindle.Cluster.Nats;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// What a pool does with an agent's words about a call when they come in an order a real agent produces only under rare
/// timing: here the test itself speaks as the agent, on the pool's inbox, reading the call's client, id and attempt
/// from the message the pool published.
/// </summary>
public sealed class AgentWordsTests(NatsServer server) : ClusterTest(server)
{
    [Fact]
    public async Task SilenceWatch_AgentThatCameToHoldTheCallsStreamDeliveryLater_EndsThatDelivery()
    {
        await using NatsConnection admin = await AdminAsync();
        var names = new ClusterNames(Cluster);
        await using INatsSub<byte[]> published = await admin.SubscribeCoreAsync<byte[]>(names.CallSubjects);
        string ackSubject = $"spindle-test.ack.{Guid.NewGuid():N}";
        await using INatsSub<byte[]> acks = await admin.SubscribeCoreAsync<byte[]>(ackSubject);
        await admin.PingAsync();

        await using var pool = new WorkerPool(PoolOptions(workers: 1, silence: TimeSpan.FromSeconds(2)));
        Task<int> call = pool.RunAsync(x => x + 1, 1);
        NatsHeaders headers;
        do
        {
            // The pool's probe of its right to publish calls comes first, with no client.
            headers = (await published.Msgs.ReadAsync().AsTask().Within("the call's message")).Headers!;
        }
        while (!headers.ContainsKey(ClusterHeaders.Client));

        string client = headers[ClusterHeaders.Client].ToString();

        // A direct call's agent speaks of the call first with no stream delivery of it (its first sign of life), then
        // holds the call's stream copy too (taken over when it reached the same agent) and says so in the next one.
        NatsHeaders Alive(string? ack)
        {
            var alive = new NatsHeaders
            {
                [ClusterHeaders.Event] = ClusterHeaders.EventAlive,
                [ClusterHeaders.Agent] = "words",
                [ClusterHeaders.Call] = headers[ClusterHeaders.Call],
                [ClusterHeaders.Attempt] = headers[ClusterHeaders.Attempt],
            };
            if (ack is not null)
            {
                alive[ClusterHeaders.Ack] = ack;
            }

            return alive;
        }

        await admin.PublishAsync(names.Client(client), Array.Empty<byte>(), Alive(ack: null));
        await admin.PublishAsync(names.Client(client), Array.Empty<byte>(), Alive(ackSubject));

        // Then it goes silent: the call counts as crashed on it, and the delivery it held is ended, not left to AckWait.
        var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => call.Within("the call whose agent went silent"));
        Assert.Equal("words", crash.Exit.Agent);
        NatsMsg<byte[]> ended = await acks.Msgs.ReadAsync().AsTask().Within("the end of the delivery the silent agent held");
        Assert.Equal("+TERM", Encoding.ASCII.GetString(ended.Data!));
    }
}

using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Spindle.Cluster.Agent;
using Spindle.Cluster.Client;
using Spindle.Cluster.Nats;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// Agents and clients of different Spindle versions on one cluster (an upgrade under way): an agent is given only calls
/// of its own protocol version, the others wait in the stream for an agent of theirs, and one offered to it directly is
/// refused; a pool that starts while agents of another version are registered says so in its log.
/// </summary>
public sealed class VersionTests(NatsServer server) : ClusterTest(server)
{
    private const string OtherProtocol = "999";

    [Fact]
    public async Task RunAsync_CallOfAnotherProtocolVersion_WaitsInTheStreamNeverGivenToTheAgent()
    {
        await using AgentProcess agent = await StartAgentAsync("v-stream");
        await using var newer = new WorkerPool(PoolOptions(workers: 1));
        ClusterClient newerClient = ((ClusterBackend)newer.Backend).Client;
        newerClient.OfferNothingDirect();
        newerClient.SpeakProtocol(OtherProtocol);
        string marker = Marker();
        using var giveUp = new CancellationTokenSource();
        Task<int> call = newer.RunAsync(static path => Ran(path), marker, giveUp.Token);
        await using NatsConnection admin = await AdminAsync();
        var js = new NatsJSContext(admin);
        var names = new ClusterNames(Cluster);
        await StreamHoldsAsync(js, names, 1, "the call of another version is stored");

        // Calls of the agent's own version, sent through the stream after it, run; the other is not given to the agent.
        await using var current = new WorkerPool(PoolOptions(workers: 1));
        ((ClusterBackend)current.Backend).Client.OfferNothingDirect();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i * 2, await current.RunAsync(x => x * 2, i).Within($"call {i} of the agent's own version"));
        }

        // The agent's consumer delivered the three calls of its version, once each, and has nothing more for it.
        await Bounded.Eventually(() => js.GetConsumerAsync(names.Stream, names.Consumer).AsTask().GetAwaiter().GetResult().Info.NumAckPending == 0, "the agent has acked its calls");
        ConsumerInfo agents = (await js.GetConsumerAsync(names.Stream, names.Consumer)).Info;
        Assert.Equal((3UL, 0UL, 0L), (agents.Delivered.ConsumerSeq, agents.NumPending, agents.NumRedelivered));
        Assert.Equal(1L, (await js.GetStreamAsync(names.Stream)).Info.State.Messages);
        Assert.False(File.Exists(marker), "The agent ran a call of another protocol version.");
        Assert.False(call.IsCompleted, $"The call ended: {call.Status}.");
        Assert.DoesNotContain("dropped", agent.Output, StringComparison.Ordinal);

        // Given up by its caller, it leaves the stream, as any call no agent has started.
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within("the cancelled call"));
        await StreamHoldsAsync(js, names, 0, "the cancelled call has left the stream");
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task RunAsync_DirectOfferOfAnotherProtocolVersion_IsRefusedAndNotRun()
    {
        // Two workers: one has room for an offer at once even while the agent's fetch from the stream holds the other.
        await using AgentProcess agent = await StartAgentAsync("v-direct", workers: 2);
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;
        // Three direct calls in a row, not one: a call is offered only while calls run short, and on a loaded machine the
        // first ones (a worker still warming up) may not, leaving the next call to the stream.
        for (int i = 0, inARow = 0; inARow < 3; i++)
        {
            Assert.True(i < 1000, $"No three of 1,000 tiny calls one after another went directly to the agent in a row ({client.DirectState}).");
            long direct = client.CallsDirect;
            Assert.Equal(i + 1, await pool.RunAsync(x => x + 1, i).Within($"call {i}"));
            inARow = client.CallsDirect > direct ? inARow + 1 : 0;
        }

        // The agent takes this client's lone calls directly: the next one is offered to it, now as another version's.
        client.SpeakProtocol(OtherProtocol);
        long made = client.OffersMade, refused = client.OffersRefused;
        string marker = Marker();
        using var giveUp = new CancellationTokenSource();
        Task<int> call = pool.RunAsync(static path => Ran(path), marker, giveUp.Token);

        await Bounded.Eventually(() => client.OffersRefused > refused, $"the agent refuses the offer ({client.DirectState})");
        Assert.True(client.OffersMade > made, "The call was not offered directly.");
        await Bounded.Eventually(() => agent.Output.Contains($"speak protocol {OtherProtocol}", StringComparison.Ordinal), $"the agent says why:\n{agent.Output}");
        Assert.False(File.Exists(marker), "The agent ran a call of another protocol version.");
        Assert.False(call.IsCompleted, $"The call ended: {call.Status}.");

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within("the cancelled call"));
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Agent_MessageOnItsVersionsSubjectSayingAnotherVersion_DropsItAsMalformedAndTellsItsCaller()
    {
        await using AgentProcess agent = await StartAgentAsync("v-malformed");
        await using NatsConnection admin = await AdminAsync();
        var js = new NatsJSContext(admin);
        var names = new ClusterNames(Cluster);

        // The test stands for the client the message names: the agent's answer comes to its inbox.
        var told = new TaskCompletionSource<NatsMsg<byte[]>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using INatsSub<byte[]> inbox = await admin.SubscribeCoreAsync<byte[]>(names.Client("forged"));
        _ = Task.Run(async () =>
        {
            await foreach (NatsMsg<byte[]> answer in inbox.Msgs.ReadAllAsync())
            {
                await answer.ReplyAsync(Array.Empty<byte>());
                told.TrySetResult(answer);
            }
        });
        var headers = new NatsHeaders
        {
            [ClusterHeaders.Protocol] = OtherProtocol,
            [ClusterHeaders.Client] = "forged",
            [ClusterHeaders.Call] = "1",
            [ClusterHeaders.Attempt] = "0",
        };
        PubAckResponse stored = await js.PublishAsync(names.Calls, new byte[] { 1, 2, 3 }, headers: headers);
        stored.EnsureSuccess();

        await StreamHoldsAsync(js, names, 0, "the agent has dropped the message");
        Assert.Contains($"says its calls speak protocol {OtherProtocol}", agent.Output, StringComparison.Ordinal);

        NatsMsg<byte[]> failed = await told.Task.Within("the agent's answer to the caller the message names");
        Assert.Equal((ClusterHeaders.EventFailed, ClusterHeaders.FailureError, "v-malformed", "1", "0"),
            (failed.Headers![ClusterHeaders.Event].ToString(), failed.Headers[ClusterHeaders.Failure].ToString(), failed.Headers[ClusterHeaders.Agent].ToString(),
             failed.Headers[ClusterHeaders.Call].ToString(), failed.Headers[ClusterHeaders.Attempt].ToString()));
        Assert.StartsWith("its message could not be read (", System.Text.Encoding.UTF8.GetString(failed.Data!), StringComparison.Ordinal);
        Assert.Contains($"protocol {OtherProtocol}", System.Text.Encoding.UTF8.GetString(failed.Data!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_CallsStreamWithAConsumerOfEveryVersion_FailsToStartNamingItAndHowToRemoveIt()
    {
        // The layout of a Spindle version before protocol versions: one consumer, without a filter, for every agent.
        await using NatsConnection admin = await AdminAsync();
        var js = new NatsJSContext(admin);
        var names = new ClusterNames(Cluster);
        await ClusterConnection.EnsureStreamAsync(js, names, CancellationToken.None);
        await js.CreateOrUpdateConsumerAsync(names.Stream, new ConsumerConfig("agents") { DurableName = "agents", AckPolicy = ConsumerConfigAckPolicy.Explicit });

        (int code, string output) = await AgentProcess.RunToFailureAsync(
            "--server", Server.Url, "--user", Server.User, "--password", Server.Password, "--name", "v-legacy", "--cluster", Cluster);

        Assert.NotEqual(0, code);
        Assert.Contains($"The calls stream {names.Stream} at '{Server.Url}' has a consumer that takes calls of every version", output, StringComparison.Ordinal);
        Assert.Contains($"nats consumer rm {names.Stream} agents", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_ConsumerReplacedByOneOfEveryVersionWhileItRuns_KeepsAskingAndTakesCallsOnceItIsGone()
    {
        await using AgentProcess agent = await StartAgentAsync("v-replaced");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        ((ClusterBackend)pool.Backend).Client.OfferNothingDirect();
        Assert.Equal(1, await pool.RunAsync(() => 1).Within("a call before the consumer is replaced"));

        // An operator deletes the agents' consumer and puts one without a filter in its place (an old version's).
        await using NatsConnection admin = await AdminAsync();
        var js = new NatsJSContext(admin);
        var names = new ClusterNames(Cluster);
        await js.DeleteConsumerAsync(names.Stream, names.Consumer);
        await js.CreateOrUpdateConsumerAsync(names.Stream, new ConsumerConfig("agents") { DurableName = "agents", AckPolicy = ConsumerConfigAckPolicy.Explicit });
        await Bounded.Eventually(() => agent.Output.Contains("could not put the calls stream and the agents' consumer back", StringComparison.Ordinal),
            "the agent says it cannot put its consumer back");
        Assert.Contains("takes calls of every version", agent.Output, StringComparison.Ordinal);

        // Once it is gone, the agent, which kept asking, puts its own back and takes calls again.
        await js.DeleteConsumerAsync(names.Stream, "agents");
        try
        {
            Assert.Equal(2, await pool.RunAsync(() => 2).Within("a call once the other consumer is gone"));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n--- agent ---\n{agent.Output}", e);
        }
    }

    [Fact]
    public async Task NewWorkerPool_AgentOfAnotherProtocolVersionRegistered_WarnsNamingItAndBothVersions()
    {
        await using AgentProcess current = await StartAgentAsync("v-current");
        await using NatsConnection admin = await AdminAsync();
        var names = new ClusterNames(Cluster);
        await Bounded.Eventually(() => AgentRegistry.ListAsync(new NatsJSContext(admin), names, CancellationToken.None).GetAwaiter().GetResult().Count == 1, "the agent has registered");

        // An agent of a version from before protocol versions, as its registry entry reads (no protocol: 0).
        AgentRegistry old = await AgentRegistry.OpenAsync(new NatsJSContext(admin), names, "v-old", TimeSpan.FromSeconds(30), CancellationToken.None);
        await old.PutAsync(new ClusterAgentInfo("v-old", "elsewhere", 2, 1, 0, "0.9.0.0", DateTimeOffset.UtcNow), CancellationToken.None);

        using var log = new LogLines();
        WorkerPoolOptions options = PoolOptions(workers: 1);
        options.LoggerFactory = log;
        await using var pool = new WorkerPool(options);

        await Bounded.Eventually(() => log.Lines.Any(l => l.Contains("Agent v-old ", StringComparison.Ordinal)), "the pool warns of the agent of another version");
        string warning = log.Lines.Single(l => l.Contains("Agent v-old ", StringComparison.Ordinal));
        Assert.StartsWith("Warning: Agent v-old speaks cluster protocol 0 (Spindle 0.9.0.0)", warning, StringComparison.Ordinal);
        Assert.Contains($"this pool protocol {ClusterHeaders.ProtocolVersion} (Spindle {ClusterHeaders.SpindleVersion})", warning, StringComparison.Ordinal);
        Assert.Contains("agents of this pool's version registered: 1.", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Lines, l => l.Contains("Agent v-current ", StringComparison.Ordinal));
        Assert.Equal(42, await pool.RunAsync(x => x * 2, 21).Within("a call, run by the agent of this version"));
    }

    [Fact]
    public async Task RunAsync_NoAgentRegistered_PoolWarnsOnceThatItsCallsWaitAndNotWhileAnAgentOfItsVersionIsBusy()
    {
        using var log = new LogLines();
        WorkerPoolOptions options = PoolOptions(workers: 2);
        options.LoggerFactory = log;
        await using var pool = new WorkerPool(options);
        ((ClusterBackend)pool.Backend).Client.WarnOfUnservedCallsAfter(TimeSpan.FromSeconds(1));
        Task<int> waiting = pool.RunAsync(x => x * 2, 21);

        await Bounded.Eventually(() => Unserved(log).Count == 1, "the pool warns that its call waits with no agent");
        string warning = Unserved(log)[0];
        Assert.StartsWith("Warning: 1 call(s) have waited 00:00:01 or longer in cluster " + Cluster + ", and no agent of cluster protocol " + ClusterHeaders.ProtocolText, warning, StringComparison.Ordinal);
        Assert.Contains("registered agents of other versions: none.", warning, StringComparison.Ordinal);

        // Once per wait: the next looks (every 5 s) say nothing more while the same call waits.
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Single(Unserved(log));

        // An agent of its version takes it; with that agent busy, calls that wait behind it are not "unserved".
        await using AgentProcess agent = await StartAgentAsync("v-late");
        Assert.Equal(42, await waiting.Within("the call, once an agent of its version started"));
        Task<int> busy = pool.RunAsync(static ms => { Thread.Sleep(ms); return ms; }, 8_000);
        Task<int> behind = pool.RunAsync(x => x + 1, 1);
        Assert.Equal(8_000, await busy.Within("the long call"));
        Assert.Equal(2, await behind.Within("the call that waited behind it"));
        Assert.Single(Unserved(log));
    }

    [Fact]
    public async Task RunAsync_OnlyAgentsOfAnotherVersionRegistered_PoolWarnsNamingThem()
    {
        await using AgentProcess agent = await StartAgentAsync("v-other");
        using var log = new LogLines();
        WorkerPoolOptions options = PoolOptions(workers: 1);
        options.LoggerFactory = log;
        await using var pool = new WorkerPool(options);
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;
        client.SpeakProtocol(OtherProtocol);
        client.WarnOfUnservedCallsAfter(TimeSpan.FromSeconds(1));
        using var giveUp = new CancellationTokenSource();
        Task<int> call = pool.RunAsync(x => x * 2, 21, giveUp.Token);

        await Bounded.Eventually(() => Unserved(log).Count == 1, "the pool warns that no agent of its version is registered");
        string warning = Unserved(log)[0];
        Assert.Contains($"no agent of cluster protocol {OtherProtocol} (Spindle {ClusterHeaders.SpindleVersion})", warning, StringComparison.Ordinal);
        Assert.Contains($"registered agents of other versions: v-other (protocol {ClusterHeaders.ProtocolVersion}, Spindle {ClusterHeaders.SpindleVersion}).", warning, StringComparison.Ordinal);
        Assert.False(call.IsCompleted, $"The call ended: {call.Status}.");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within("the cancelled call"));
    }

    private static List<string> Unserved(LogLines log) =>
        [.. log.Lines.Where(l => l.Contains("call(s) have waited", StringComparison.Ordinal))];

    private static int Ran(string marker)
    {
        File.WriteAllText(marker, "ran");
        return 1;
    }
}

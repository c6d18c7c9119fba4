using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// The sample server configuration of docs/cluster.md (docs/cluster-nats-server.conf), as it is apart from where it
/// listens and stores: a client and an agent with its permissions do everything a cluster does without one permission
/// violation, and the agent's credentials cannot send calls.
/// </summary>
public sealed class SampleConfigTests
{
    // nats-server reads a variable's value from the environment as a configuration value: one that could be read as
    // a number would be refused, so these start with a letter (docs/cluster.md says so for real passwords).
    private static readonly string ClientPassword = "c" + Guid.NewGuid().ToString("N");
    private static readonly string AgentPassword = "a" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task SampleConfig_ClientAndAgent_RunCallsLargeValuesCancellationsAndTheRegistryWithinTheirPermissions()
    {
        await using ConfiguredNatsServer server = await StartSampleAsync();
        await using AgentProcess agent = await AgentProcess.StartWithAsync("sample-agent",
            "--server", server.Url, "--user", "agent", "--password", AgentPassword, "--connect-timeout", "60");
        await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = 2, DrainTimeout = Bounded.Prompt }.UseCluster(Options(server, "client", ClientPassword)));

        // A permission the sample lacks shows as something that never ends: the server's log says which.
        try
        {
            Assert.Equal(42, await pool.RunAsync(() => 6 * 7).Within("a call under the sample's permissions"));

            // Above the server's max_payload (1 MB) both ways: through the values bucket.
            byte[] large = new byte[3 * 1024 * 1024];
            Random.Shared.NextBytes(large);
            byte[] back = await pool.RunAsync(b => b.Reverse().ToArray(), large).Within("a large value both ways");
            Assert.Equal(large.Reverse(), back);

            IReadOnlyList<ClusterAgentInfo> agents = await pool.GetAgentsAsync().Within("the registry");
            Assert.Equal(["sample-agent"], agents.Select(a => a.Name));

            string marker = Path.Combine(Path.GetTempPath(), $"spindle-sample-{Guid.NewGuid():N}");
            using var cancel = new CancellationTokenSource();
            Task<int> running = pool.RunAsync(token =>
            {
                File.WriteAllText(marker, "started");
                token.WaitHandle.WaitOne();
                token.ThrowIfCancellationRequested();
                return 1;
            }, cancel.Token);
            await Bounded.Eventually(() => File.Exists(marker) || running.IsCompleted, "the call has started on the agent");
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.Within("the cancelled call"));
            Assert.Equal(2, await pool.RunAsync(() => 2).Within("the call after the cancelled one"));
            Assert.Contains("stopped by its caller", agent.Output, StringComparison.Ordinal);
            File.Delete(marker);

            // Tiny calls one after another go straight to the agent's worker (offers its lane answers), and an order is
            // answered. (The 3 MB call above counts as long for a while: calls go direct once the average is short again.)
            Spindle.Cluster.Client.ClusterClient client = ((Spindle.Cluster.Client.ClusterBackend)pool.Backend).Client;
            for (int i = 0; client.CallsOnLanes < 3; i++)
            {
                Assert.Equal(i, await pool.RunAsync(x => x, i).Within("a tiny call"));
                Assert.True(i < 500, $"No call was taken by the agent's worker under the sample's permissions: {client.DirectState}\n{Violations(server)}");
            }

            Assert.True(await pool.DrainAgentAsync("sample-agent").Within("the drain order"));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nPermission violations:\n{string.Join('\n', server.Output.Split('\n').Where(l => l.Contains(" Violation - ", StringComparison.Ordinal)).Distinct())}", e);
        }

        Assert.DoesNotMatch("(Publish|Subscription) Violation", server.Output);
    }

    [Fact]
    public async Task SampleConfig_ClientCutOffWhileACallWaits_LooksItUpWithinItsPermissions()
    {
        await using ConfiguredNatsServer server = await StartSampleAsync();
        await using var relay = new TcpRelay(server.Url);
        ClusterOptions options = Options(server, "client", ClientPassword);
        options.Server = relay.Url;

        // The cut may fall on the build's upload: a request it loses fails after ConnectTimeout, then the upload starts
        // again (the other tests here allow a slow machine a minute for each).
        options.ConnectTimeout = TimeSpan.FromSeconds(5);
        await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = 2, DrainTimeout = Bounded.Prompt }.UseCluster(options));
        var client = ((Spindle.Cluster.Client.ClusterBackend)pool.Backend).Client;

        // No agent yet: the call waits in the stream. After a reconnect the client looks it up (ClusterClient.Resending.cs).
        Task<int> waiting = pool.RunAsync(() => 9);
        relay.Cut();
        relay.Restore();
        try
        {
            await Bounded.Eventually(() => client.MessagesLookedUp >= 1 || client.MessagesResent > 0, "the client has looked the waiting call up after the reconnect");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} {client.DirectState}; the call: {waiting.Status} {waiting.Exception?.InnerException?.Message}\n{Violations(server)}", e);
        }

        Assert.Equal(0, client.MessagesResent);

        await using AgentProcess agent = await AgentProcess.StartWithAsync("sample-agent",
            "--server", server.Url, "--user", "agent", "--password", AgentPassword, "--connect-timeout", "60");
        Assert.Equal(9, await waiting.Within("the call that waited"));
        Assert.DoesNotMatch("(Publish|Subscription) Violation", server.Output);
    }

    [Fact]
    public async Task SampleConfig_AgentCredentialsInAPool_CannotSendCalls()
    {
        await using ConfiguredNatsServer server = await StartSampleAsync();

        var error = Assert.Throws<SpindleException>(() => new WorkerPool(new WorkerPoolOptions().UseCluster(Options(server, "agent", AgentPassword))));

        Assert.Contains("spindle.default.calls", error.Message, StringComparison.Ordinal);
        Assert.Contains("ClusterOptions.User", error.Message, StringComparison.Ordinal);
    }

    private static string Violations(ConfiguredNatsServer server) =>
        "Permission violations:\n" + string.Join('\n', server.Output.Split('\n').Where(l => l.Contains(" Violation - ", StringComparison.Ordinal)).Distinct());

    private static ClusterOptions Options(ConfiguredNatsServer server, string user, string password) => new()
    {
        Server = server.Url,
        User = user,
        Password = password,
        ConnectTimeout = Bounded.Unexpected,
    };

    private static Task<ConfiguredNatsServer> StartSampleAsync()
    {
        string sample = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "cluster-nats-server.conf"));
        const string Store = "store_dir: \"/var/lib/nats\"";
        Assert.Contains(Store, sample, StringComparison.Ordinal);
        return ConfiguredNatsServer.StartAsync(
            store => sample.Replace(Store, $"store_dir: \"{store}\"", StringComparison.Ordinal),
            new Dictionary<string, string> { ["SPINDLE_CLIENT_PASSWORD"] = ClientPassword, ["SPINDLE_AGENT_PASSWORD"] = AgentPassword });
    }

    private static string RepositoryRoot()
    {
        DirectoryInfo? root = new(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Spindle.slnx")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("The repository root (Spindle.slnx) was not found above the tests.");
    }
}

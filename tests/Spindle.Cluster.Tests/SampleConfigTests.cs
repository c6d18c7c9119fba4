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
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nPermission violations:\n{string.Join('\n', server.Output.Split('\n').Where(l => l.Contains(" Violation - ", StringComparison.Ordinal)).Distinct())}", e);
        }

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

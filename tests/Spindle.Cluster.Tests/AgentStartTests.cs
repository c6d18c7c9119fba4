using NATS.Client.Core;
using Spindle.Cluster.Agent;
using Spindle.Cluster.Nats;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// What an agent checks before it takes any call: that no other agent serves under its name, that it can keep builds
/// where it was told, that the server keeps streams; and the name it takes when given none.
/// </summary>
public sealed class AgentStartTests(NatsServer server) : ClusterTest(server)
{
    [Fact]
    public async Task Agent_NameAnotherAgentServesUnder_RefusesToStartNamingItAndTheOptionAndTheFirstKeepsServing()
    {
        await using AgentProcess first = await StartAgentAsync("twin");
        string cache = Directory.CreateTempSubdirectory("spindle-agent-cache-").FullName;

        (int code, string output) = await AgentProcess.RunToFailureAsync("--server", Server.Url, "--user", Server.User, "--password", Server.Password,
            "--name", "twin", "--cluster", Cluster, "--workers", "1", "--cache", cache);

        Assert.NotEqual(0, code);
        Assert.Contains($"An agent named 'twin' already serves cluster '{Cluster}'", output, StringComparison.Ordinal);
        Assert.Contains($"process {first.ProcessId}", output, StringComparison.Ordinal);
        Assert.Contains("another --name", output, StringComparison.Ordinal);
        Assert.DoesNotContain("serving cluster", output, StringComparison.Ordinal);

        // The agent that was there first runs the pool's calls, each once.
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("twin", await pool.RunAsync(static () => Environment.GetEnvironmentVariable(ClusterAgent.AgentVariable)).Within($"call {i}"));
        }

        Assert.False(first.Exited.IsCompleted, first.Output);
    }

    [Fact]
    public async Task HoldName_AgentsStartingAtTheSameMoment_ExactlyOneHoldsItAndTheOthersSayWhy()
    {
        // Each on a connection of its own, all started at once: before the name was heard listening, each asked before
        // it listened, so all of them found nobody and all held the name.
        var names = new ClusterNames(Cluster);
        for (int round = 0; round < 3; round++)
        {
            string agent = $"same-moment-{round}";
            NatsConnection[] connections = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => AdminAsync()));
            try
            {
                Task<AgentName>[] starts = connections.Select(nats => AgentName.HoldAsync(nats, names, agent, Server.Url, TextWriter.Null, CancellationToken.None)).ToArray();
                await Task.WhenAll(starts).ContinueWith(static _ => { }, TaskScheduler.Default).Within($"round {round}: the starts");

                Task<AgentName>[] held = starts.Where(start => start.IsCompletedSuccessfully).ToArray();
                Assert.True(held.Length == 1, $"round {round}: {held.Length} of 3 hold '{agent}'; the others: " +
                    string.Join(" | ", starts.Where(start => start.IsFaulted).Select(start => start.Exception!.InnerException!.Message)));
                foreach (Task<AgentName> start in starts.Where(start => !start.IsCompletedSuccessfully))
                {
                    var error = Assert.IsType<SpindleException>(start.Exception!.InnerException);
                    Assert.Matches($"(Another agent named '{agent}' started in cluster '{Cluster}' .* at the same moment|An agent named '{agent}' already serves)", error.Message);
                    Assert.Contains("another --name", error.Message, StringComparison.Ordinal);
                }

                // The holder answers from now on: one more start is refused at once.
                NatsConnection late = await AdminAsync();
                await using (late)
                {
                    var refused = await Assert.ThrowsAsync<SpindleException>(() => AgentName.HoldAsync(late, names, agent, Server.Url, TextWriter.Null, CancellationToken.None).Within("the late start"));
                    Assert.Contains($"An agent named '{agent}' already serves", refused.Message, StringComparison.Ordinal);
                }

                await (await held[0]).DisposeAsync();
            }
            finally
            {
                foreach (NatsConnection nats in connections)
                {
                    await nats.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task Agent_CacheIsAFile_RefusesToStartNamingCache()
    {
        string file = Path.GetTempFileName();
        try
        {
            (int code, string output) = await AgentProcess.RunToFailureAsync("--server", Server.Url, "--user", Server.User, "--password", Server.Password,
                "--name", "no-cache", "--cluster", Cluster, "--workers", "1", "--cache", file);

            Assert.True(code == 2, $"exit {code} (bad input is 2)\n{output}");
            Assert.Contains($"cannot keep the builds it fetches in '{file}' (--cache)", output, StringComparison.Ordinal);
            Assert.DoesNotContain("serving cluster", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Agent_EmptyCache_IsRefusedByTheParserNamingCache()
    {
        (int code, string output) = await AgentProcess.RunToFailureAsync("--server", Server.Url, "--user", Server.User, "--password", Server.Password,
            "--name", "empty-cache", "--cluster", Cluster, "--workers", "1", "--cache", "");

        Assert.True(code == 2, $"exit {code} (bad input is 2)\n{output}");
        Assert.Contains("--cache", output, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_InterruptedWhileConnecting_ExitsInterruptedSayingItServedNothing()
    {
        // A server that accepts the connection and never says a word: the sign-in waits for its greeting.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        await using AgentProcess agent = AgentProcess.Launch("--server", $"nats://127.0.0.1:{port}", "--name", "never-served", "--cluster", Cluster,
            "--workers", "1", "--connect-timeout", "600");
        using System.Net.Sockets.TcpClient accepted = await silent.AcceptTcpClientAsync().Within("the agent to connect");

        agent.Signal(SigInt);

        int code = await agent.Exited.Within("the agent to stop on SIGINT while connecting");
        Assert.True(code == 130, $"exit {code}\n{agent.Output}");
        Assert.Contains("served no call", agent.Output, StringComparison.Ordinal);
    }

    private const int SigInt = 2;

    [Fact]
    public async Task AgentAndPool_ServerWithoutJetStream_FailNamingTheServerAndJetStream()
    {
        // A server whose configuration says nothing of jetstream (but for this comment) runs without it.
        await using ConfiguredNatsServer plain = await ConfiguredNatsServer.StartAsync(_ => "# no jetstream\n");

        (int code, string output) = await AgentProcess.RunToFailureAsync("--server", plain.Url, "--name", "no-js", "--cluster", Cluster, "--workers", "1");
        Assert.NotEqual(0, code);
        Assert.Contains($"The NATS server at '{plain.Url}' (--server) does not run JetStream", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);

        var error = Assert.Throws<SpindleException>(() => new WorkerPool(new WorkerPoolOptions().UseCluster(new ClusterOptions { Server = plain.Url, ClusterName = Cluster })));
        Assert.Contains($"The NATS server at '{plain.Url}' (ClusterOptions.Server) does not run JetStream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentAndPool_AccountWithoutJetStreamOnAServerThatRunsIt_FailNamingTheAccount()
    {
        // The server runs JetStream (its INFO says so), but only the first account may use it.
        await using ConfiguredNatsServer server = await ConfiguredNatsServer.StartAsync(store => $$"""
            jetstream { store_dir: "{{store}}" }
            accounts {
              WITH: { jetstream: enabled, users: [ { user: with, password: with } ] }
              WITHOUT: { users: [ { user: without, password: without } ] }
            }
            """);

        (int code, string output) = await AgentProcess.RunToFailureAsync("--server", server.Url, "--user", "without", "--password", "without",
            "--name", "no-js-account", "--cluster", Cluster, "--workers", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("JetStream did not answer for this connection's account", output, StringComparison.Ordinal);
        Assert.Contains("enable jetstream for the account the credentials sign in to", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);

        var error = Assert.Throws<SpindleException>(() => new WorkerPool(new WorkerPoolOptions().UseCluster(
            new ClusterOptions { Server = server.Url, User = "without", Password = "without", ClusterName = Cluster })));
        Assert.Contains("JetStream did not answer for this connection's account", error.Message, StringComparison.Ordinal);

        // The account that has it works on the same server.
        await using var pool = new WorkerPool(new WorkerPoolOptions { DrainTimeout = Bounded.Prompt }.UseCluster(
            new ClusterOptions { Server = server.Url, User = "with", Password = "with", ClusterName = Cluster }));
    }

    [Fact]
    public void DefaultName_LongHostNameOrAContainersFirstProcess_IsAValidNameOfItsOwn()
    {
        string podName = new('h', 63);
        string name = AgentOptions.DefaultName(podName, 20343);
        Assert.Equal(Spindle.ClusterOptions.CheckName(name, "name"), name);
        Assert.EndsWith("-20343", name, StringComparison.Ordinal);

        // Process 1 in two containers with one host name: two names.
        string one = AgentOptions.DefaultName("build-host", 1);
        string other = AgentOptions.DefaultName("build-host", 1);
        Assert.NotEqual(one, other);
        Assert.StartsWith("build-host-", one, StringComparison.Ordinal);
        string longOne = AgentOptions.DefaultName(podName, 1);
        Assert.Equal(longOne, Spindle.ClusterOptions.CheckName(longOne, "name"));
        Assert.Equal("my-host-42", AgentOptions.DefaultName("my.host", 42));
    }
}

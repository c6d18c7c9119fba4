using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Spindle.Cluster.Nats;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>Two builds of one app (one assembly name, two module version ids) calling through the same agent at once.</summary>
public sealed class BuildTests(NatsServer server) : ClusterTest(server)
{
    private const int Calls = 200;

    [Fact]
    public async Task NewWorkerPool_FourPoolsOfOneAppAtOnce_TheBuildIsUploadedWholeAndEveryPoolsCallRuns()
    {
        // Four pools of this app start together, each uploading the same build. A put over an existing object purges
        // its chunks, so a second put while the agent fetches the build would leave that fetch waiting for ever: the
        // pools of one process upload it once, one at a time.
        WorkerPool[] pools = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new WorkerPool(PoolOptions(workers: 1)))));
        try
        {
            await using AgentProcess agent = await StartAgentAsync("fetcher");
            int[] results = await Task.WhenAll(pools.Select((pool, i) => pool.RunAsync(x => x * 10, i))).Within("a call of each of the four pools");
            Assert.Equal([0, 10, 20, 30], results);

            // Put once: a second put replaces the object's meta message and purges the first put's chunks, leaving
            // fewer messages in the bucket's stream than were ever written to it.
            await using var admin = new NatsConnection(NatsOpts.Default with
            {
                Url = Server.Url,
                AuthOpts = NatsAuthOpts.Default with { Username = Server.User, Password = Server.Password },
            });
            var names = new ClusterNames(Cluster);
            StreamState bucket = (await new NatsJSContext(admin).GetStreamAsync("OBJ_" + names.BuildsBucket)).Info.State;
            Assert.True((ulong)bucket.Messages == bucket.LastSeq,
                $"The build was put more than once: the bucket's stream holds {bucket.Messages} messages of the {bucket.LastSeq} written.");
        }
        finally
        {
            foreach (WorkerPool pool in pools)
            {
                await pool.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RunAsync_TwoBuildsOfOneAppSharingAnAgent_EachCallRunsAgainstItsOwnBuild()
    {
        string root = Directory.CreateTempSubdirectory("spindle-twin-apps-").FullName;
        try
        {
            string first = await TwinApp.BuildAsync(root, "first");
            string second = await TwinApp.BuildAsync(root, "second");
            await using AgentProcess agent = await StartAgentAsync("shared", workers: 2);

            // Both at once: the agent holds a local pool per build, and calls of both interleave on it.
            (int ExitCode, string Output)[] runs = await Task.WhenAll(TwinApp.RunAsync(first, Server, Cluster, Calls), TwinApp.RunAsync(second, Server, Cluster, Calls));

            var modules = new Dictionary<string, string>();
            foreach (((int code, string output), string build) in runs.Zip(["first", "second"]))
            {
                Assert.True(code == 0, $"The {build} app failed ({code}):\n{output}\n--- agent ---\n{agent.Output}");
                string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                string self = Assert.Single(lines, l => l.StartsWith($"{build}:self:", StringComparison.Ordinal));
                string module = self[$"{build}:self:".Length..];
                modules[build] = module;
                string[] results = lines.Where(l => l != self).ToArray();
                Assert.Equal(Enumerable.Range(0, Calls).Select(i => $"{build}:{i}:{module}"), results);
            }

            Assert.NotEqual(modules["first"], modules["second"]);

            // The agent fetched both builds (two cache directories) and ran both there.
            Assert.Equal(2, Directory.EnumerateDirectories(agent.CacheDirectory).Count());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.ObjectStore;
using Spindle.Cluster.Tests.Support;
using Spindle.Sync;

namespace Spindle.Cluster.Tests;

/// <summary>
/// Arguments and results above the server's max_payload (1 MB by default; the test server keeps the default) go
/// through the cluster's values bucket, and are gone from it once the call is answered.
/// </summary>
public sealed class LargeValueTests(NatsServer server) : ClusterTest(server)
{
    private const int ThreeMiB = 3 << 20;

    [Fact]
    public async Task RunAsync_ThreeMiBArgumentAndResult_RoundTripThroughTheValuesBucket()
    {
        await using AgentProcess agent = await StartAgentAsync("big");
        await using var pool = new WorkerPool(PoolOptions());
        byte[] argument = new byte[ThreeMiB];
        new Random(7).NextBytes(argument);
        string started = Marker();

        // The agent's worker runs on this machine: it opens the test's named event and waits there, not in a sleep loop.
        string goName = $"cluster-go-{Guid.NewGuid():N}";
        using SharedEvent go = SharedEvent.Create(name: goName);

        Task<byte[]> call = pool.RunAsync(data =>
        {
            File.WriteAllText(started, "started");
            using SharedEvent letGo = SharedEvent.Open(goName);
            if (!letGo.TryWait(TimeSpan.FromMinutes(1)))
            {
                throw new TimeoutException("The test never let the call finish.");
            }

            byte[] reversed = (byte[])data.Clone();
            Array.Reverse(reversed);
            return reversed;
        }, argument);

        await Bounded.Eventually(() => File.Exists(started) || call.IsCompleted, "the call has started on the agent");
        Assert.False(call.IsFaulted, call.Exception?.ToString());
        IReadOnlyList<string> during = await ValueObjectsAsync();
        Assert.Contains(during, name => name.EndsWith(".argument", StringComparison.Ordinal));

        go.Set();
        byte[] result = await call.Within("a call with a 3 MiB argument and result");

        byte[] expected = (byte[])argument.Clone();
        Array.Reverse(expected);
        Assert.Equal(ThreeMiB, result.Length);
        Assert.True(expected.AsSpan().SequenceEqual(result), "The 3 MiB result differs from the reversed argument.");
        Assert.Empty(await ValueObjectsAsync());
        File.Delete(started);
    }

    [Fact]
    public async Task RunAsync_ThreeMiBResultOfASmallCall_ComesBackAndLeavesNothing()
    {
        await using AgentProcess agent = await StartAgentAsync("bigresult");
        await using var pool = new WorkerPool(PoolOptions());

        byte[] result = await pool.RunAsync(seed =>
        {
            byte[] bytes = new byte[3 << 20];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }, 11).Within("a call with a 3 MiB result");

        byte[] expected = new byte[ThreeMiB];
        new Random(11).NextBytes(expected);
        Assert.True(expected.AsSpan().SequenceEqual(result), "The 3 MiB result differs from the one made locally with the same seed.");
        Assert.Empty(await ValueObjectsAsync());
    }

    [Fact]
    public async Task RunAsync_ArgumentAboveMaxMessageBytes_FailsAtTheCallSiteNamingIt()
    {
        var options = PoolOptions();
        options.MaxMessageBytes = 2 << 20;
        await using var pool = new WorkerPool(options);
        byte[] argument = new byte[ThreeMiB];

        var error = await Assert.ThrowsAsync<ArgumentException>(() => pool.RunAsync(data => data.Length, argument).Within("an oversized call"));

        Assert.Contains("MaxMessageBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ResultAboveMaxMessageBytes_FailsNamingIt()
    {
        await using AgentProcess agent = await StartAgentAsync("toobig");
        var options = PoolOptions();
        options.MaxMessageBytes = 2 << 20;
        await using var pool = new WorkerPool(options);

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => pool.RunAsync(size => new byte[size], ThreeMiB).Within("a call with an oversized result"));
        Assert.True(error is not TimeoutException, agent.Output);

        Assert.Contains("MaxMessageBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, await pool.RunAsync(() => 5).Within("a call after the oversized result"));
        Assert.Empty(await ValueObjectsAsync());
    }

    [Fact]
    public async Task RunAsync_ResultAboveTheAgentsMaxMessageBytes_FailsNamingTheOption()
    {
        // The caller accepts it (1 GiB by default); the agent's own workers may not send it (64 KiB).
        await using AgentProcess agent = await StartAgentAsync("narrow", workers: 1, "--max-message-bytes", "65536");
        await using var pool = new WorkerPool(PoolOptions());

        Task<byte[]> call = pool.RunAsync(size => new byte[size], 256 << 10);
        await Task.WhenAny(call, Task.Delay(Bounded.Unexpected));
        Assert.True(call.IsCompleted, $"The call whose result the agent's workers may not send did not end within {Bounded.Unexpected.TotalSeconds} s.\n{agent.Output}");
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => call);

        Assert.Contains("MaxMessageBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, await pool.RunAsync(() => 5).Within("a call after the oversized result"));
    }

    [Fact]
    public async Task RunAsync_ArgumentAboveTheAgentsMaxMessageBytes_FailsNamingTheAgentAndTheOptionWithoutCrashingAWorker()
    {
        // The caller may send it (1 GiB by default); the agent's own workers may not take it (64 KiB).
        await using AgentProcess agent = await StartAgentAsync("narrow", workers: 1, "--max-message-bytes", "65536");
        await using var pool = new WorkerPool(PoolOptions());

        Task<int> call = pool.RunAsync(data => data.Length, new byte[256 << 10]);
        await Task.WhenAny(call, Task.Delay(Bounded.Unexpected));
        Assert.True(call.IsCompleted, $"The call the agent's workers may not take did not end within {Bounded.Unexpected.TotalSeconds} s.\n{agent.Output}");
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => call);

        // Refused by the agent's pool before any worker saw it: not a worker dying on it (which a caller with
        // RetriesOnCrash would retry, crashing a worker each time).
        Assert.IsNotType<WorkerCrashedException>(error);
        Assert.Contains("Agent 'narrow'", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxMessageBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("--max-message-bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, await pool.RunAsync(() => 5).Within("a call after the oversized argument"));
    }

    /// <summary>The objects in this cluster's values bucket now, read with a connection of the test's own.</summary>
    private async Task<IReadOnlyList<string>> ValueObjectsAsync()
    {
        await using var nats = new NatsConnection(NatsOpts.Default with
        {
            Url = Server.Url,
            AuthOpts = NatsAuthOpts.Default with { Username = Server.User, Password = Server.Password },
        });
        var objects = new NatsObjContext(new NatsJSContext(nats));
        INatsObjStore store = await objects.GetObjectStoreAsync($"spindle_{Cluster}_values").AsTask().Within("opening the values bucket");
        var names = new List<string>();
        try
        {
            await foreach (var info in store.ListAsync())
            {
                names.Add(info.Name);
            }
        }
        catch (NatsObjNotFoundException)
        {
            // An empty bucket.
        }

        return names;
    }
}

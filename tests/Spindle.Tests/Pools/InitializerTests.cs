using System.Collections.Concurrent;
using System.Diagnostics;
using Spindle;
using Spindle.Calls;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary><see cref="WorkerPoolOptions.Initializer"/>: once in each new worker, before its first call, in both isolations.</summary>
public class InitializerTests
{
    [Fact]
    public async Task Initializer_ProcessPool_RunsOnceInEachWorkerBeforeItsFirstCall()
    {
        string tag = Guid.NewGuid().ToString("N");
        await using WorkerPool pool = TestPools.Process(workers: 2, o => o.Initializer = () => WorkerSetUp.Run(tag));
        await pool.WarmUpAsync().Within("warm-up");

        string[] seen = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => pool.RunAsync(static () => WorkerSetUp.Describe()))).Within("calls");

        Assert.All(seen, s => Assert.EndsWith($":1:{tag}", s, StringComparison.Ordinal));
        int[] workerPids = pool.GetWorkers().Select(w => w.Id).Order().ToArray();
        Assert.Equal(2, workerPids.Length);
        Assert.Subset(workerPids.Select(p => $"{p}:1:{tag}").ToHashSet(), seen.ToHashSet());
    }

    [Fact]
    public async Task Initializer_ThreadPool_RunsOnceForEachWorkerBeforeItsFirstCall()
    {
        string tag = Guid.NewGuid().ToString("N");
        await using WorkerPool pool = TestPools.Thread(workers: 3, o => o.Initializer = () => WorkerSetUp.Count(tag));

        int seenByFirstCall = await pool.RunAsync(() => WorkerSetUp.Counted(tag)).Within("the first call");
        await pool.WarmUpAsync().Within("warm-up");

        Assert.Equal(1, seenByFirstCall);
        Assert.Equal(3, WorkerSetUp.Counted(tag));
        Assert.Equal(3, await pool.RunAsync(() => WorkerSetUp.Counted(tag)).Within("a later call"));
    }

    [Fact]
    public async Task Initializer_ReplacementAfterACrash_RunsItAgain()
    {
        string tag = Guid.NewGuid().ToString("N");
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.Initializer = () => WorkerSetUp.Run(tag));
        string first = await pool.RunAsync(static () => WorkerSetUp.Describe()).Within("a call on the first worker");
        int crashed = int.Parse(first.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);

        Process.GetProcessById(crashed).Kill();
        await Bounded.Eventually(() => pool.GetWorkers().All(w => w.Id != crashed), "the killed worker is gone");
        string second = await pool.RunAsync(static () => WorkerSetUp.Describe()).Within("a call on the replacement");

        Assert.EndsWith($":1:{tag}", first, StringComparison.Ordinal);
        Assert.EndsWith($":1:{tag}", second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Initializer_ThrowsInAProcess_CallsFailWithWorkerStartExceptionCarryingTheRemoteException()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.Initializer = static () => throw new InvalidOperationException("no model here"));

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => pool.RunAsync(static () => 1).Within("a call"));

        Assert.Contains("Initializer", error.Message, StringComparison.Ordinal);
        Assert.Contains("no model here", error.Message, StringComparison.Ordinal);
        var remote = Assert.IsType<RemoteException>(error.InnerException);
        Assert.Equal(typeof(InvalidOperationException).FullName, remote.RemoteType);
        Assert.Equal("no model here", remote.RemoteMessage);
    }

    [Fact]
    public async Task Initializer_ThrowsOnAThread_CallsFailWithWorkerStartExceptionCarryingTheException()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 1, o => o.Initializer = static () => throw new InvalidOperationException("no model here"));

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => pool.RunAsync(static () => 1).Within("a call"));

        Assert.Contains("Initializer", error.Message, StringComparison.Ordinal);
        var thrown = Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal("no model here", thrown.Message);
    }

    [Theory]
    [InlineData(Isolation.Process)]
    [InlineData(Isolation.Thread)]
    public async Task WarmUpAsync_InitializerThrows_FailsWithTheStartsExceptionAndThePoolStaysUsable(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation, workers: 2, o => o.Initializer = static () => throw new InvalidOperationException("no model here"));

        // Warm-up promised ready workers; before, it completed quietly with none.
        var error = await Assert.ThrowsAsync<WorkerStartException>(() => pool.WarmUpAsync().Within("warm-up"));

        Assert.Contains("no model here", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(pool.GetWorkers());
        await Assert.ThrowsAsync<WorkerStartException>(() => pool.RunAsync(static () => 1).Within("a later call"));
    }

    [Fact]
    public async Task Initializer_WorkerExitsInIt_CallsFailSayingSoWithTheExitCode()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.Initializer = static () => Environment.Exit(9));

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => pool.RunAsync(static () => 1).Within("a call"));

        Assert.Equal(9, error.ExitCode);
        Assert.Contains("while running its Initializer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initializer_OutlastsWorkerStartTimeout_CallsFailNamingBoth()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1, o =>
        {
            o.WorkerStartTimeout = TimeSpan.FromSeconds(1);
            o.Initializer = static () => Thread.Sleep(Bounded.Unexpected);
        });

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => pool.RunAsync(static () => 1).Within("a call"));

        Assert.Contains("did not finish its Initializer", error.Message, StringComparison.Ordinal);
        Assert.Contains("WorkerStartTimeout", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public void Initializer_CapturesAValueThatCannotCross_PoolCreationThrowsNamingTheOption(Isolation isolation)
    {
        using var stream = new MemoryStream();
        var options = new WorkerPoolOptions { Isolation = isolation, Workers = 1, Initializer = () => stream.WriteByte(1) };

        var error = Assert.Throws<ProcessBoundaryException>(() => new WorkerPool(options));

        Assert.Equal(nameof(WorkerPoolOptions.Initializer), error.ParamName);
        Assert.Contains("stream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initializer_ThreadPoolWithoutTheCheck_MayUseAnything()
    {
        using var ran = new ManualResetEventSlim();
        await using WorkerPool pool = TestPools.Thread(workers: 1, o =>
        {
            o.CheckProcessBoundary = false;
            o.Initializer = ran.Set;
        });

        await pool.RunAsync(static () => 1).Within("a call");

        Assert.True(ran.IsSet);
    }
}

/// <summary>What the initializers in <see cref="InitializerTests"/> set up: static state of the process they run in.</summary>
internal static class WorkerSetUp
{
    private static readonly ConcurrentDictionary<string, int> Counts = new();
    private static int _runs;
    private static string? _tag;

    /// <summary>A worker process's initializer: remembers <paramref name="tag"/> and counts its runs in this process.</summary>
    public static void Run(string tag)
    {
        Interlocked.Increment(ref _runs);
        _tag = tag;
    }

    /// <summary>In a worker process: "pid:runs:tag".</summary>
    public static string Describe() => $"{Environment.ProcessId}:{Volatile.Read(ref _runs)}:{_tag}";

    /// <summary>A thread worker's initializer: counts its runs under <paramref name="tag"/> (tests run side by side in this process).</summary>
    public static void Count(string tag) => Counts.AddOrUpdate(tag, 1, static (_, n) => n + 1);

    public static int Counted(string tag) => Counts.GetValueOrDefault(tag);
}

using Spindle;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>
/// MemoryLimit means memory a worker's calls use, not address space: the smallest limit the option accepts starts a
/// worker that serves calls, threads' stacks do not count against it, and a limit too small to start says so.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class MemoryLimitFloorTests
{
    [Fact]
    public async Task MemoryLimit_SmallestAccepted_WorkerStartsAndRunsCalls()
    {
        WorkerPool pool = TestPools.Process(configure: o => o.MemoryLimit = WorkerPoolOptions.MinMemoryLimit);
        try
        {
            int pid = await pool.RunAsync(() => Environment.ProcessId).Within("the first call under the smallest limit");
            int[] doubled = await pool.RunAsync(items => items.Select(x => x * 2).ToArray(), Enumerable.Range(0, 100_000).ToArray()).Within("a call with an array");

            Assert.Equal(199_998, doubled[^1]);
            Assert.Equal(pid, await pool.RunAsync(() => Environment.ProcessId).Within("a call on the same worker"));
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(WorkerPoolOptions.MinMemoryLimit - 1)]
    public void MemoryLimit_BelowTheSmallest_ThrowsNamingTheOption(long limit)
    {
        var options = new WorkerPoolOptions();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.MemoryLimit = limit);

        Assert.Equal(nameof(WorkerPoolOptions.MemoryLimit), error.ParamName);
        Assert.Null(options.MemoryLimit);
    }

    [Fact]
    public async Task MemoryLimit_CallThatGoesOverTheSmallest_CrashesWithTheLimitAsCause_AndThePoolServesOn()
    {
        WorkerPool pool = TestPools.Process(configure: o => o.MemoryLimit = WorkerPoolOptions.MinMemoryLimit);
        try
        {
            var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(() => Hog(blocks: 8)).Within("the memory hog"));

            Assert.Contains("memory limit", crash.Cause, StringComparison.Ordinal);
            Assert.Equal(3, await pool.RunAsync(() => 3).Within("the call after the limit was hit"));
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task MemoryLimit_CallThatStartsManyThreads_IsNotStoppedForTheirStacksAddressSpace()
    {
        // 24 threads map 192 MiB of stack (8 MiB each) and touch a few KiB of it: far over the limit in address space,
        // far under it in memory used.
        WorkerPool pool = TestPools.Process(configure: o => o.MemoryLimit = 128L << 20);
        try
        {
            Assert.Equal(24, await pool.RunAsync(StartThreadsThatWait, 24).Within("the call that starts threads"));
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task WorkerStart_LimitTooSmallForTheRuntime_ErrorSaysMemoryLimitIsProbablyTooSmall_WithItsValue()
    {
        var settings = new WorkerProcessSettings(Bounded.Unexpected, 1 << 20, SerializerType: null, OneShot: false, MemoryLimit: 1L << 20);

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => WorkerProcessHandle.StartAsync(settings, CancellationToken.None).Within("the worker that cannot start"));

        Assert.Contains("MemoryLimit (1048576 bytes, 1 MiB) is probably too small", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.ExitCode);
    }

    private static int Hog(int blocks)
    {
        var hog = new List<byte[]>();
        for (int i = 0; i < blocks; i++)
        {
            var block = new byte[16 << 20];
            block.AsSpan().Fill(1);
            hog.Add(block);
        }

        return hog.Count;
    }

    private static int StartThreadsThatWait(int count)
    {
        using var started = new CountdownEvent(count);
        using var release = new ManualResetEventSlim();
        var threads = new List<Thread>();
        for (int i = 0; i < count; i++)
        {
            var thread = new Thread(() =>
            {
                started.Signal();
                release.Wait(Bounded.Unexpected);
            });
            thread.Start();
            threads.Add(thread);
        }

        bool allStarted = started.Wait(Bounded.Unexpected);
        release.Set();
        int joined = threads.Count(t => t.Join(TimeSpan.FromSeconds(30)));
        return allStarted ? joined : -1;
    }
}

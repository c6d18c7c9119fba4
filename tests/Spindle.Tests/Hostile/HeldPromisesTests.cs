using System.Diagnostics;
using Spindle.Interop;
using Spindle;
using Spindle.Pools;
using Spindle.Shared;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>
/// Promises that held when Spindle was tried as a hostile user would, kept under test so the next change cannot break
/// them quietly: stopped workers end by timeout and cancellation, odd deaths are crashes, and pool lifetimes with kills,
/// in-flight disposal and shared arrays leave nothing behind.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class HeldPromisesTests
{
    [Fact]
    public async Task StoppedWorker_IsEndedByCallTimeout_AndReplaced()
    {
        WorkerPool pool = TestPools.Process(configure: o => o.CallTimeout = TimeSpan.FromMilliseconds(500));
        try
        {
            int pid = await pool.RunAsync(() => Environment.ProcessId).Within("first call");
            Task<int> stopped = pool.RunAsync(() => { Thread.SpinWait(int.MaxValue); return 0; });
            await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the call to start");
            Signal(pid, "STOP");

            await Assert.ThrowsAsync<CallTimeoutException>(() => stopped.Within("the stopped worker's call"));
            Assert.NotEqual(pid, await pool.RunAsync(() => Environment.ProcessId).Within("a call on the replacement"));
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task StoppedWorker_IsEndedByCancellation_AfterTheGracePeriod()
    {
        WorkerPool pool = TestPools.Process(configure: o => o.CancellationGracePeriod = TimeSpan.FromMilliseconds(200));
        try
        {
            int pid = await pool.RunAsync(() => Environment.ProcessId).Within("first call");
            using var cancel = new CancellationTokenSource();
            Task<int> stopped = pool.RunAsync(() => { Thread.SpinWait(int.MaxValue); return 0; }, cancel.Token);
            await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the call to start");
            Signal(pid, "STOP");
            await cancel.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopped.Within("the cancelled call"));
            await Bounded.Eventually(() => !Native.ProcessAlive(pid), "the stopped worker to be killed");
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task CallThatClosesEveryDescriptor_IsReportedAsACrash()
    {
        WorkerPool pool = TestPools.Process();
        try
        {
            await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(() =>
            {
                for (int fd = 0; fd < 1024; fd++)
                {
                    _ = Native.CloseDescriptor(fd);
                }

                Thread.Sleep(Timeout.Infinite);
                return 0;
            }).Within("the call that closed its channel"));
            Assert.Equal(2, await pool.RunAsync(() => 2).Within("a call on the replacement"));
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task EnvironmentExitZero_InACall_IsACrashSaidPlainly()
    {
        WorkerPool pool = TestPools.Process();
        try
        {
            var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(() => { Environment.Exit(0); return 0; }).Within("the call that exits"));
            Assert.Equal(0, crash.Exit.ExitCode);
            Assert.Contains("Environment.Exit(0)", crash.Exit.Cause, StringComparison.Ordinal);
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}

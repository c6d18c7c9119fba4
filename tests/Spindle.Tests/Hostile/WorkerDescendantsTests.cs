using System.Diagnostics;
using Spindle;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tests.Support;
using Spindle.Interop;

namespace Spindle.Tests.Hostile;

/// <summary>
/// A call that starts a helper program (a shell, ffmpeg, a compiler) is normal use. The helper inherits the worker's
/// stderr, so the worker's death must not wait for that pipe to close; and the helper must not outlive its worker.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class WorkerDescendantsTests
{
    [Fact]
    public async Task CallThatStartsAChildThenHangs_EndsByCallTimeout_AndTheNextCallRuns()
    {
        string pidFile = Path.GetTempFileName();
        WorkerPool pool = TestPools.Process(configure: o => o.CallTimeout = TimeSpan.FromSeconds(2));
        try
        {
            Task<int> hung = pool.RunAsync(path => StartSleeperThen(path, hang: true), pidFile);

            await Assert.ThrowsAsync<CallTimeoutException>(() => hung.Within("the hung call to time out"));
            int sleeper = await SleeperPid(pidFile);
            Assert.NotEqual(0, await pool.RunAsync(() => Environment.ProcessId).Within("the call after the timeout"));
            await Bounded.Eventually(() => !Native.ProcessAlive(sleeper), $"the dead worker's child {sleeper} is ended with it");
        }
        finally
        {
            await KillSleeper(pidFile);
            await pool.DisposeWithinAsync();
        }
    }

    [Theory]
    [InlineData(DeathKind.FailFast)]
    [InlineData(DeathKind.Sigkill)]
    public async Task WorkerThatStartedAChild_Dies_CrashIsReportedAtOnce_AndTheChildIsEnded(DeathKind death)
    {
        string pidFile = Path.GetTempFileName();
        WorkerPool pool = TestPools.Process();
        try
        {
            Task<int> dying = pool.RunAsync((path, kind) =>
            {
                StartSleeperThen(path, hang: false);
                Die.Now(kind);
                return 0;
            }, pidFile, death);

            var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => dying.Within("the crash to be reported"));
            Assert.NotNull(crash.Exit.ExitCode);
            int sleeper = await SleeperPid(pidFile);
            await Bounded.Eventually(() => !Native.ProcessAlive(sleeper), $"the dead worker's child {sleeper} is ended with it");
            Assert.NotEqual(crash.Exit.ProcessId, await pool.RunAsync(() => Environment.ProcessId).Within("a call on the replacement"));
        }
        finally
        {
            await KillSleeper(pidFile);
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task WorkerKilledFromOutside_WhileItsChildHoldsStderr_IsReportedAndReplaced()
    {
        string pidFile = Path.GetTempFileName();
        WorkerPool pool = TestPools.Process();
        try
        {
            int worker = await pool.RunAsync(() => Environment.ProcessId).Within("first call");
            Task<int> hung = pool.RunAsync(path => StartSleeperThen(path, hang: true), pidFile);
            int sleeper = await SleeperPid(pidFile);

            Process.GetProcessById(worker).Kill();

            await Assert.ThrowsAsync<WorkerCrashedException>(() => hung.Within("the kill to be reported"));
            await Bounded.Eventually(() => !Native.ProcessAlive(sleeper), $"the killed worker's child {sleeper} is ended with it");
            Assert.NotEqual(worker, await pool.RunAsync(() => Environment.ProcessId).Within("a call on the replacement"));
        }
        finally
        {
            await KillSleeper(pidFile);
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task DisposeAsync_AfterACallLeftAChildRunning_ReturnsAndLeavesNoChild()
    {
        string pidFile = Path.GetTempFileName();
        try
        {
            WorkerPool pool = TestPools.Process();
            await pool.RunAsync(path => StartSleeperThen(path, hang: false), pidFile).Within("the call that leaves a child running");
            int sleeper = await SleeperPid(pidFile);
            Assert.True(Native.ProcessAlive(sleeper));

            await pool.DisposeAsync().AsTask().Within("DisposeAsync");

            await Bounded.Eventually(() => !Native.ProcessAlive(sleeper), $"the worker's child {sleeper} is ended with the pool");
        }
        finally
        {
            await KillSleeper(pidFile);
        }
    }

    [Fact]
    public async Task TerminateAsync_WhileACallWaitsOnItsChild_ReturnsAndLeavesNoChild()
    {
        string pidFile = Path.GetTempFileName();
        try
        {
            WorkerPool pool = TestPools.Process();
            Task<int> hung = pool.RunAsync(path => StartSleeperThen(path, hang: true), pidFile);
            int sleeper = await SleeperPid(pidFile);

            await pool.TerminateAsync().Within("TerminateAsync");

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hung.Within("the terminated call"));
            await Bounded.Eventually(() => !Native.ProcessAlive(sleeper), $"the worker's child {sleeper} is ended with the pool");
        }
        finally
        {
            await KillSleeper(pidFile);
        }
    }

    [Fact]
    public async Task WorkerDies_WhileAChildThatLeftItsGroupHoldsStderr_ThePoolLetsGoOfThePipe()
    {
        string pidFile = Path.GetTempFileName();
        WorkerPool pool = TestPools.Process();
        try
        {
            // setsid puts the child in a session of its own: ending the worker's group does not reach it.
            int worker = await pool.RunAsync(() => Environment.ProcessId).Within("first call");
            await pool.RunAsync(path => StartSleeperThen(path, hang: false, program: "setsid"), pidFile).Within("the call that starts an escaping child");
            int sleeper = await SleeperPid(pidFile);
            string stderrPipe = DescriptorTarget($"/proc/{sleeper}/fd/2");
            Assert.StartsWith("pipe:", stderrPipe, StringComparison.Ordinal);
            Assert.Contains(stderrPipe, OwnDescriptorTargets());

            Process.GetProcessById(worker).Kill();
            await Bounded.Eventually(() => pool.GetWorkers().All(w => w.Id != worker), "the pool to notice its worker's death");

            // Before, a reader thread stayed blocked on the pipe as long as the escaped child lived.
            await Bounded.Eventually(() => !OwnDescriptorTargets().Contains(stderrPipe), "the pool to close its end of the dead worker's stderr");
            Assert.True(Native.ProcessAlive(sleeper), "the escaped child is outside the worker's group, so it is still running");
        }
        finally
        {
            await KillSleeper(pidFile);
            await pool.DisposeWithinAsync();
        }
    }

    private static string DescriptorTarget(string link) => new FileInfo(link).LinkTarget ?? "";

    private static HashSet<string> OwnDescriptorTargets()
    {
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (string link in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                targets.Add(DescriptorTarget(link));
            }
            catch (IOException)
            {
                // Closed while listing.
            }
        }

        return targets;
    }

    /// <summary>Starts a long <c>sleep</c> that inherits the worker's stderr, writes its pid to <paramref name="pidFile"/>.</summary>
    private static int StartSleeperThen(string pidFile, bool hang, string program = "sleep")
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false };
        if (program != "sleep")
        {
            start.ArgumentList.Add("sleep");
        }

        start.ArgumentList.Add("600");
        using var sleeper = Process.Start(start)!;
        File.WriteAllText(pidFile, sleeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (hang)
        {
            sleeper.WaitForExit();
        }

        return sleeper.Id;
    }

    private static async Task<int> SleeperPid(string pidFile)
    {
        await Bounded.Eventually(() => File.ReadAllText(pidFile).Length > 0, "the call to start its child");
        return int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Whatever the test found, no sleeper outlives it.</summary>
    private static Task KillSleeper(string pidFile)
    {
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile), out int pid) && Native.ProcessAlive(pid))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Gone meanwhile.
            }
        }

        File.Delete(pidFile);
        return Task.CompletedTask;
    }
}

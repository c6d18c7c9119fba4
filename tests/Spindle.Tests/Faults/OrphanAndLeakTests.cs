using System.Diagnostics;
using Spindle;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tests.Support;
using Spindle.Interop;

namespace Spindle.Tests.Faults;

[Collection(SerialCollection.Name)]
public class OrphanAndLeakTests
{
    [Fact]
    public async Task ParentKilledWithSigkill_EveryWorkerExits()
    {
        string parentPath = Path.Combine(AppContext.BaseDirectory, "Spindle.TestParent.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(parentPath);
        start.ArgumentList.Add("pool");
        start.ArgumentList.Add("3");
        using Process parent = Process.Start(start)!;
        try
        {
            string? line = await parent.StandardOutput.ReadLineAsync().Within("the parent's worker pids");
            int[] workers = line!["pids ".Length..].Split(' ').Select(int.Parse).ToArray();
            Assert.Equal(3, workers.Length);
            parent.Kill();
            await Bounded.Eventually(() => workers.All(pid => !Native.ProcessAlive(pid)), "every worker of the killed parent has exited");

            await parent.WaitForExitAsync().Within("the killed parent to be gone");
        }
        finally
        {
            if (!parent.HasExited)
            {
                parent.Kill();
            }
        }
    }

    [Fact]
    public async Task HundredPoolLifetimes_LeaveNoFileDescriptorsSocketsOrDirectories()
    {
        await using (WorkerPool warm = TestPools.Process())
        {
            await warm.RunAsync(() => 1).Within("warm-up call");
        }

        int fdsBefore = OpenDescriptors.Count();
        int directoriesBefore = OwnDirectories();
        var workers = new List<int>();
        for (int i = 0; i < 100; i++)
        {
            await using WorkerPool pool = TestPools.Process();
            workers.Add(await pool.RunAsync(() => Environment.ProcessId).Within("call"));
        }

        await Bounded.Eventually(() => OpenDescriptors.Count() <= fdsBefore, $"open sockets, pipes and files return to {fdsBefore} (now {OpenDescriptors.Count()})");
        Assert.Equal(directoriesBefore, OwnDirectories());
        Assert.All(workers, pid => Assert.False(Native.ProcessAlive(pid), $"worker {pid} outlived its pool"));
    }

    [Fact]
    public async Task TerminatedAndCrashedPools_LeaveNoWorkersOrDirectories()
    {
        int directoriesBefore = OwnDirectories();
        WorkerPool pool = TestPools.Process(workers: 2);
        await pool.WarmUpAsync().Within("warm-up");
        int[] pids = pool.GetWorkers().Select(w => w.Id).ToArray();
        Process.GetProcessById(pids[0]).Kill();

        await pool.TerminateAsync().Within("terminate");

        Assert.All(pids, pid => Assert.False(Native.ProcessAlive(pid), $"worker {pid} outlived TerminateAsync"));
        await Bounded.Eventually(() => OwnDirectories() == directoriesBefore, "the pool's private directory is removed");
    }

    private static int OwnDirectories() => Directory.GetDirectories(RuntimeDirectory.UserRoot, $"{Environment.ProcessId}-*").Length;
}

using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>
/// The worker channel has no front door to flood: a pool listens on nothing, so no local process can hold
/// half-finished hellos open against it, and a crashed worker's replacement always gets in.
/// </summary>
[Collection(SerialCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class ChannelAdmissionTests
{
    [Fact]
    public async Task ProcessPool_ListensOnNoSocket()
    {
        HashSet<string> before = ListeningSocketInodes();
        await using WorkerPool pool = TestPools.Process(workers: 2);
        await pool.WarmUpAsync().Within("warm-up");
        await pool.RunAsync(() => 1).Within("a call");

        Assert.Empty(ListeningSocketInodes().Except(before));
    }

    [Fact]
    public async Task WorkerKilledRepeatedly_IsReplacedEveryTime()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.MaxRestarts = 100);
        var seen = new HashSet<int>();
        for (int i = 0; i < 5; i++)
        {
            int pid = await pool.RunAsync(() => Environment.ProcessId).Within("a call on the current worker");
            Assert.True(seen.Add(pid), $"worker {pid} served again after it was killed");
            System.Diagnostics.Process.GetProcessById(pid).Kill();
            await Bounded.Eventually(() => pool.GetWorkers().All(w => w.Id != pid), $"the pool has seen worker {pid} die");
        }
    }

    /// <summary>Inodes of this process's sockets that are listening Unix sockets (state 01 with the listen flag in /proc/net/unix).</summary>
    private static HashSet<string> ListeningSocketInodes()
    {
        var own = new HashSet<string>(Directory.GetFiles("/proc/self/fd")
            .Select(fd => { try { return new FileInfo(fd).LinkTarget; } catch (IOException) { return null; } })
            .Where(t => t is not null && t.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(t => t!["socket:[".Length..^1]));
        return [.. File.ReadLines("/proc/self/net/unix").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 7 && f[3] == "00010000" && own.Contains(f[6]))
            .Select(f => f[6])];
    }
}

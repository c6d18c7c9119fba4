using System.Runtime.InteropServices;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Faults;

public partial class InterruptTests
{
    private const int SigInt = 2;

    [Fact]
    public async Task Interrupt_ReachingAWorkerProcess_DoesNotEndIt()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1);

        // What Ctrl+C in a terminal does: SIGINT to every process of the group, workers included. The call gives the
        // runtime a second to act on it; a worker that followed the default would die and the call fail as a crash.
        int pid = await pool.RunAsync(() =>
        {
            _ = Kill(Environment.ProcessId, SigInt);
            Task.Delay(TimeSpan.FromSeconds(1)).Wait();
            return Environment.ProcessId;
        }).Within("the interrupted call");

        Assert.Equal(pid, await pool.RunAsync(() => Environment.ProcessId).Within("the next call"));
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

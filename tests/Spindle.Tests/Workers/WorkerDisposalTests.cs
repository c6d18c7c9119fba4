using Spindle;
using Spindle.Processes;
using Spindle.Tests.Support;
using Spindle.Interop;

namespace Spindle.Tests.Workers;

/// <summary><see cref="IWorker"/> is <see cref="IAsyncDisposable"/>: a running process is killed, a running thread left to finish.</summary>
public class WorkerDisposalTests
{
    [Fact]
    public async Task DisposingARunningWorkerProcess_KillsIt()
    {
        IWorker worker = new WorkerProcess(() => Thread.Sleep(Timeout.Infinite));
        worker.Start();
        await Bounded.Eventually(() => worker.Id != 0, "the process to start");
        int pid = worker.Id;

        await worker.DisposeAsync().AsTask().Within("DisposeAsync of a running process");

        Assert.False(Native.ProcessAlive(pid));
    }

    [Fact]
    public async Task DisposingARunningWorkerThread_ReturnsAtOnce_AndTheThreadFinishes()
    {
        using var release = new ManualResetEventSlim();
        await using (IWorker worker = new WorkerThread(() => release.Wait()))
        {
            worker.Start();
            await worker.DisposeAsync().AsTask().Within("DisposeAsync of a running thread");
            Assert.True(worker.IsAlive);
            release.Set();
            await worker.JoinAsync().Within("the thread to finish");
        }
    }
}

using Spindle.Pools;

namespace Spindle.Tests;

public class SmokeTests
{
    [Fact]
    public async Task RunAsync_ProcessIsolation_RunsInAnotherProcess()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = 1 });
        int factor = 3;
        int pid = await pool.RunAsync(() => Environment.ProcessId).WaitAsync(TimeSpan.FromSeconds(30));
        int result = await pool.RunAsync(x => x * factor, 14).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Equal(42, result);
    }
}

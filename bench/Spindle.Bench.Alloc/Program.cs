// Allocation per warm call, with BenchmarkDotNet's memory diagnoser: what a process-isolated and a thread-isolated
// call cost the caller's process in managed allocations (every thread counted, the reader's included), beside
// Task.Run as the baseline. Run in-process so the pools' worker host is found next to this program:
//   dotnet run -c Release --project bench/Spindle.Bench.Alloc
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Spindle;
using Spindle.Pools;

BenchmarkRunner.Run<WarmCalls>(
    DefaultConfig.Instance
        .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
        .WithOptions(ConfigOptions.DisableOptimizationsValidator),
    args);

/// <summary>One awaited call at a time on a warm pool of one worker.</summary>
[MemoryDiagnoser]
public class WarmCalls
{
    private WorkerPool _process = null!;
    private WorkerPool _thread = null!;
    private int _i;

    [GlobalSetup]
    public void Start()
    {
        _process = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1 });
        _thread = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Thread, Workers = 1 });
        for (int i = 0; i < 1000; i++)
        {
            _process.RunAsync(static x => x + 1, i).GetAwaiter().GetResult();
            _thread.RunAsync(static x => x + 1, i).GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Stop()
    {
        _process.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _thread.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "Task.Run(x => x + 1)")]
    public Task<int> TaskRun()
    {
        int x = _i++;
        return Task.Run(() => x + 1);
    }

    [Benchmark(Description = "RunAsync, thread isolation")]
    public Task<int> ThreadCall() => _thread.RunAsync(static x => x + 1, _i++);

    [Benchmark(Description = "RunAsync, process isolation")]
    public Task<int> ProcessCall() => _process.RunAsync(static x => x + 1, _i++);
}

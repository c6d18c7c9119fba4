using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spindle.Extensions.Hosting.Tests.Support;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Extensions.Hosting.Tests.Lifetime;

public class LifetimeTests
{
    [Fact]
    public async Task StartAsync_WarmUp_WaitsUntilEveryWorkerProcessHasStarted()
    {
        await using TestHost host = TestHosts.WithProcessPool("render", o => { o.Workers = 2; o.WarmUp = true; });

        await host.StartAsync().Within("host start");
        WorkerPool pool = host.Services.GetRequiredKeyedService<WorkerPool>("render");

        IReadOnlyList<WorkerInfo> workers = pool.GetWorkers();
        Assert.Equal(2, workers.Count);
        Assert.All(workers, w => Assert.NotEqual(Environment.ProcessId, w.Id));
        await host.StopAsync().Within("host stop");
    }

    [Fact]
    public async Task StartAsync_WithoutWarmUp_CreatesThePoolWithNoWorkerYet()
    {
        await using TestHost host = TestHosts.WithProcessPool("render");

        await host.StartAsync().Within("host start");
        WorkerPool pool = host.Services.GetRequiredKeyedService<WorkerPool>("render");

        Assert.Equal(PoolState.Running, pool.State);
        Assert.Empty(pool.GetWorkers());
        await host.StopAsync().Within("host stop");
    }

    [Fact]
    public async Task StartAsync_WorkersCannotStart_FailsTheStart()
    {
        await using TestHost host = TestHosts.WithProcessPool("render", o =>
        {
            o.WarmUp = true;
            o.Initializer = ThrowingInitializer;
        });

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => host.StartAsync().Within("host start"));

        Assert.Contains("no model file", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_CallInFlight_CompletesBeforeThePoolStops()
    {
        using SharedEvent release = SharedEvent.Create();
        await using TestHost host = TestHosts.WithProcessPool("render");
        await host.StartAsync().Within("host start");
        WorkerPool pool = host.Services.GetRequiredKeyedService<WorkerPool>("render");
        Task<int> call = pool.RunAsync(e => e.TryWait(TimeSpan.FromSeconds(60)) ? 42 : -1, release);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the call is running in the worker");

        Task stopping = host.StopAsync();
        await Bounded.Eventually(() => pool.State == PoolState.Draining, "the pool drains");
        Assert.False(stopping.IsCompleted, "the host stopped while a call was still running");
        Assert.Throws<ObjectDisposedException>(() => { _ = pool.RunAsync(() => 1); });
        release.Set();
        await stopping.Within("host stop");

        Assert.Equal(42, await call.Within("the call in flight"));
        Assert.Equal(PoolState.Stopped, pool.State);
        Assert.Empty(pool.GetWorkers());
    }

    [Fact]
    public async Task StopAsync_PastTheShutdownTimeout_TerminatesTheCallsStillRunning()
    {
        using SharedEvent never = SharedEvent.Create();
        await using TestHost host = TestHosts.WithProcessPool("render", shutdownTimeout: TimeSpan.FromSeconds(1));
        await host.StartAsync().Within("host start");
        WorkerPool pool = host.Services.GetRequiredKeyedService<WorkerPool>("render");
        Task<int> call = pool.RunAsync(e => e.TryWait(TimeSpan.FromSeconds(60)) ? 42 : -1, never);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the call is running in the worker");
        int workerPid = pool.GetWorkers()[0].Id;
        using var worker = System.Diagnostics.Process.GetProcessById(workerPid);

        await host.StopAsync().Within("host stop");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within("the terminated call"));
        Assert.Equal(PoolState.Stopped, pool.State);
        await worker.WaitForExitAsync().Within("the worker process to end");
    }

    [Fact]
    public async Task StopAsync_ServiceRegisteredBeforeThePool_CanStillCallItWhileItStops()
    {
        await using TestHost host = TestHosts.Create(b =>
        {
            // Registered first, so the host stops it last: after the pools' own hosted service.
            b.Services.AddHostedService<FlushOnStop>();
            b.Services.AddWorkerPool("p", o => { o.Isolation = Isolation.Thread; o.Workers = 1; });
        });
        await host.StartAsync().Within("host start");
        FlushOnStop flush = host.Services.GetServices<IHostedService>().OfType<FlushOnStop>().Single();
        WorkerPool pool = host.Services.GetRequiredKeyedService<WorkerPool>("p");

        await host.StopAsync().Within("host stop");

        Assert.Equal(42, flush.Flushed);
        Assert.Equal(PoolState.Stopped, pool.State);
    }

    [Fact]
    public async Task StopAsync_BackgroundServiceRegisteredBeforeThePool_EndsItsLoopWithoutFault()
    {
        await using TestHost host = TestHosts.Create(b =>
        {
            b.Services.AddHostedService<Looper>();
            b.Services.AddWorkerPool("p", o => { o.Isolation = Isolation.Thread; o.Workers = 1; });
        });
        await host.StartAsync().Within("host start");
        Looper looper = host.Services.GetServices<IHostedService>().OfType<Looper>().Single();
        await Bounded.Eventually(() => looper.Calls > 0, "the looper's first call is done");

        await host.StopAsync().Within("host stop");

        await looper.ExecuteTask!.Within("the looper's loop");
        Assert.Equal(PoolState.Stopped, host.Services.GetRequiredKeyedService<WorkerPool>("p").State);
    }

    [Fact]
    public async Task StartAsync_ALaterServiceFails_ThePoolsAreStillDisposedWithTheContainer()
    {
        TestHost host = TestHosts.Create(b =>
        {
            b.Services.AddWorkerPool("p", o => { o.Isolation = Isolation.Thread; o.Workers = 1; o.WarmUp = true; });
            b.Services.AddHostedService<FailingStart>();
        });

        await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within("host start"));
        WorkerPool pool = host.Services.GetRequiredKeyedService<WorkerPool>("p");
        Assert.Equal(PoolState.Running, pool.State);
        await host.DisposeAsync();

        Assert.Equal(PoolState.Stopped, pool.State);
    }

    [Fact]
    public async Task DisposeAsync_PoolsResolvedButNeverStarted_AreDisposedWithTheContainer()
    {
        TestHost host = TestHosts.WithProcessPool("render");
        WorkerPool pool = host.Services.GetRequiredKeyedService<WorkerPool>("render");
        Assert.Equal(1, await pool.RunAsync(() => 1).Within("a call before the host starts"));

        await host.DisposeAsync();

        Assert.Equal(PoolState.Stopped, pool.State);
        Assert.Empty(pool.GetWorkers());
    }

    [Fact]
    public async Task Dispose_Synchronous_AlsoDisposesThePools()
    {
        IHost host = TestHosts.WithProcessPool("render").Host;
        WorkerPool pool = host.Services.GetRequiredKeyedService<WorkerPool>("render");
        Assert.Equal(1, await pool.RunAsync(() => 1).Within("a call"));

        await Task.Run(host.Dispose).Within("host dispose");

        Assert.Equal(PoolState.Stopped, pool.State);
    }

    [Fact]
    public async Task Dispose_PlainServiceProviderSynchronously_StopsThePools()
    {
        var services = new ServiceCollection();
        services.AddWorkerPool("p", o => { o.Isolation = Isolation.Thread; o.Workers = 1; });
        ServiceProvider provider = services.BuildServiceProvider();
        WorkerPool pool = provider.GetRequiredKeyedService<WorkerPool>("p");
        Assert.Equal(1, await pool.RunAsync(() => 1).Within("a call"));

        // As `using var provider = services.BuildServiceProvider();` does when it goes out of scope.
        await Task.Run(provider.Dispose).Within("the provider's synchronous dispose");

        Assert.Equal(PoolState.Stopped, pool.State);
    }

    private static void ThrowingInitializer() => throw new FileNotFoundException("no model file");

    /// <summary>A service that runs one last call on the pool when the host stops it, as one that flushes its work would.</summary>
    private sealed class FlushOnStop([FromKeyedServices("p")] WorkerPool pool) : IHostedService
    {
        public int Flushed { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => Flushed = await pool.RunAsync(() => 42);
    }

    /// <summary>A background service that keeps the pool busy until the host stops it; each call finishes before it looks again.</summary>
    private sealed class Looper([FromKeyedServices("p")] WorkerPool pool) : BackgroundService
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await pool.RunAsync(() => { Thread.Sleep(50); return 1; });
                Interlocked.Increment(ref _calls);
            }
        }
    }

    private sealed class FailingStart : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("this service cannot start");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

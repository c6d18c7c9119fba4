using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Spindle.Extensions.Hosting.Tests.Support;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Extensions.Hosting.Tests.HealthChecks;

/// <summary>The worker pool health check through the host's HealthCheckService, on pools of real worker processes.</summary>
public class HealthCheckTests
{
    [Fact]
    public async Task Running_Healthy_WithTheCountsAsData()
    {
        using SharedEvent release = SharedEvent.Create();
        await using TestHost host = HostWithChecks(o => o.Workers = 2);
        WorkerPool pool = await StartedPoolAsync(host);
        await pool.WarmUpAsync().Within("warm-up");
        Task<int> call = pool.RunAsync(e => e.TryWait(TimeSpan.FromSeconds(60)) ? 1 : -1, release);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the call is running");

        HealthReportEntry entry = await CheckAsync(host);

        release.Set();
        Assert.Equal(1, await call.Within("the call"));
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("Running", entry.Data["render.state"]);
        Assert.Equal(2, entry.Data["render.workers"]);
        Assert.Equal(2, entry.Data["render.maxWorkers"]);
        Assert.Equal(1, entry.Data["render.busy"]);
        Assert.Equal(0, entry.Data["render.queueLength"]);
        Assert.Equal(0, entry.Data["render.restarts"]);
        Assert.Equal(20, entry.Data["render.maxRestarts"]);
        Assert.Equal("render: 2 of 2 workers, 1 busy, 0 queued, 0 of 20 restarts", entry.Description);
    }

    [Fact]
    public async Task RestartsAtHalfTheLimit_Degraded()
    {
        await using TestHost host = HostWithChecks(o => { o.MaxRestarts = 2; o.RestartWindow = TimeSpan.FromMinutes(5); });
        WorkerPool pool = await StartedPoolAsync(host);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);

        await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(() => { Environment.Exit(3); return 0; }).Within("crashing call"));
        HealthReportEntry entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(1, entry.Data["render.restarts"]);
        Assert.Contains("1 worker restarts within the restart window, faulting after 2 (MaxRestarts)", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueFull_Degraded()
    {
        using SharedEvent release = SharedEvent.Create();
        await using TestHost host = HostWithChecks(o => { o.MaxQueuedCalls = 1; o.QueueFullMode = QueueFullMode.Fail; });
        WorkerPool pool = await StartedPoolAsync(host);
        Task<int> running = pool.RunAsync(e => e.TryWait(TimeSpan.FromSeconds(60)) ? 1 : -1, release);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the first call is running");
        Task<int> queued = pool.RunAsync(() => 2);

        HealthReportEntry entry = await CheckAsync(host);

        release.Set();
        int[] results = await Task.WhenAll(running, queued).Within("both calls");
        Assert.Equal([1, 2], results);
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(1, entry.Data["render.queueLength"]);
        Assert.Contains("queue full, 1 of 1 calls waiting (MaxQueuedCalls)", entry.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
    }

    [Fact]
    public async Task Faulted_Unhealthy_NamingTheFault()
    {
        await using TestHost host = HostWithChecks(o => { o.MaxRestarts = 1; o.RestartWindow = TimeSpan.FromMinutes(5); });
        WorkerPool pool = await StartedPoolAsync(host);
        for (int i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(() => { Environment.FailFast("the model is corrupt"); return 0; }).Within("crashing call"));
        }

        await Bounded.Eventually(() => pool.State == PoolState.Faulted, "the pool faults");
        HealthReportEntry entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Null(entry.Exception);
        Assert.Equal("Faulted", entry.Data["render.state"]);
        Assert.Equal(2, entry.Data["render.restarts"]);
        Assert.StartsWith("render: faulted, refusing calls: ", entry.Description, StringComparison.Ordinal);
        Assert.Contains("MaxRestarts", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposed_Unhealthy()
    {
        await using TestHost host = HostWithChecks();
        WorkerPool pool = await StartedPoolAsync(host);
        Assert.Equal(1, await pool.RunAsync(() => 1).Within("a call"));

        await pool.DisposeAsync().AsTask().Within("pool dispose");
        HealthReportEntry entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Null(entry.Exception);
        Assert.Equal("Stopped", entry.Data["render.state"]);
        Assert.Equal("render: stopped (disposed or terminated)", entry.Description);
    }

    [Fact]
    public async Task NamedPools_OnlyThoseAreChecked_AndFailureStatusIsTheRegistrations()
    {
        await using TestHost host = TestHosts.Create(b =>
        {
            b.Services
                .AddWorkerPool("render", o => { o.Isolation = Isolation.Process; o.Workers = 1; })
                .AddWorkerPool("thumbs", o => { o.Isolation = Isolation.Process; o.Workers = 1; });
            b.Services.AddHealthChecks()
                .AddWorkerPoolHealthCheck("thumbs-only", pools: ["thumbs"], failureStatus: HealthStatus.Degraded)
                .AddWorkerPoolHealthCheck("typo", pools: ["thumb"]);
        });
        await host.StartAsync().Within("host start");
        await host.Services.GetRequiredKeyedService<WorkerPool>("render").DisposeAsync().AsTask().Within("render dispose");

        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().Within("health check");

        Assert.Equal(HealthStatus.Healthy, report.Entries["thumbs-only"].Status);
        Assert.All(report.Entries["thumbs-only"].Data.Keys, k => Assert.StartsWith("thumbs.", k, StringComparison.Ordinal));
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["typo"].Status);
        Assert.Contains("thumb: no worker pool is registered under this name (registered: render, thumbs)", report.Entries["typo"].Description, StringComparison.Ordinal);

        await host.Services.GetRequiredKeyedService<WorkerPool>("thumbs").DisposeAsync().AsTask().Within("thumbs dispose");
        report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().Within("health check");
        Assert.Equal(HealthStatus.Degraded, report.Entries["thumbs-only"].Status);
    }

    [Fact]
    public async Task AllPools_WorstStatusWins()
    {
        await using TestHost host = TestHosts.Create(b =>
        {
            b.Services
                .AddWorkerPool("a", o => { o.Isolation = Isolation.Process; o.Workers = 1; })
                .AddWorkerPool("b", o => { o.Isolation = Isolation.Process; o.Workers = 1; });
            b.Services.AddHealthChecks().AddWorkerPoolHealthCheck();
        });
        await host.StartAsync().Within("host start");
        await host.Services.GetRequiredKeyedService<WorkerPool>("b").DisposeAsync().AsTask().Within("b dispose");

        HealthReportEntry entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("a: 0 of 1 workers, 0 busy, 0 queued, 0 of 20 restarts; b: stopped (disposed or terminated)", entry.Description);
    }

    private static TestHost HostWithChecks(Action<WorkerPoolOptions>? configure = null) =>
        TestHosts.Create(b =>
        {
            b.Services.AddWorkerPool("render", o =>
            {
                o.Isolation = Isolation.Process;
                o.Workers = 1;
                configure?.Invoke(o);
            });
            b.Services.AddHealthChecks().AddWorkerPoolHealthCheck();
        });

    private static async Task<WorkerPool> StartedPoolAsync(TestHost host)
    {
        await host.StartAsync().Within("host start");
        return host.Services.GetRequiredKeyedService<WorkerPool>("render");
    }

    private static async Task<HealthReportEntry> CheckAsync(TestHost host)
    {
        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().Within("health check");
        return report.Entries["worker-pools"];
    }
}

using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spindle.Extensions.Hosting.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Extensions.Hosting.Tests.Registration;

public class RegistrationTests
{
    [Fact]
    public async Task AddWorkerPool_TwoNames_TwoKeyedSingletons_RunningCallsInWorkerProcesses()
    {
        await using TestHost host = TestHosts.Create(b => b.Services
            .AddWorkerPool("render", o => { o.Isolation = Isolation.Process; o.Workers = 1; })
            .AddWorkerPool("light", o => { o.Isolation = Isolation.Thread; o.Workers = 2; }));

        WorkerPool render = host.Services.GetRequiredKeyedService<WorkerPool>("render");
        WorkerPool light = host.Services.GetRequiredKeyedService<WorkerPool>("light");

        Assert.Same(render, host.Services.GetRequiredKeyedService<WorkerPool>("render"));
        Assert.NotSame(render, light);
        Assert.Equal(("render", Isolation.Process, 1), (render.Name, render.Isolation, render.MaxWorkers));
        Assert.Equal(("light", Isolation.Thread, 2), (light.Name, light.Isolation, light.MaxWorkers));
        int workerPid = await render.RunAsync(() => Environment.ProcessId).Within("a call on the render pool");
        Assert.NotEqual(Environment.ProcessId, workerPid);
        Assert.Equal(Environment.ProcessId, await light.RunAsync(() => Environment.ProcessId).Within("a call on the light pool"));
    }

    [Fact]
    public async Task FromKeyedServices_InjectsThePoolRegisteredUnderThatName()
    {
        await using TestHost host = TestHosts.Create(b => b.Services
            .AddWorkerPool("render", o => o.Workers = 1)
            .AddWorkerPool("other", o => o.Workers = 1)
            .AddSingleton<RenderConsumer>());

        RenderConsumer consumer = host.Services.GetRequiredService<RenderConsumer>();

        Assert.Same(host.Services.GetRequiredKeyedService<WorkerPool>("render"), consumer.Pool);
    }

    [Fact]
    public async Task Provider_ListsEveryPoolOnceInRegistrationOrder_AndGivesTheKeyedInstance()
    {
        await using TestHost host = TestHosts.Create(b => b.Services
            .AddWorkerPool("b", o => o.Workers = 1)
            .AddWorkerPool("a", o => o.Workers = 1)
            .AddWorkerPool("b", o => o.MaxQueuedCalls = 5));
        IWorkerPoolProvider provider = host.Services.GetRequiredService<IWorkerPoolProvider>();

        Assert.Equal(["b", "a"], provider.Names);
        Assert.Same(host.Services.GetRequiredKeyedService<WorkerPool>("a"), provider.GetPool("a"));
        Assert.Equal(5, provider.GetPool("b").MaxQueuedCalls);
        Assert.Equal(1, provider.GetPool("b").MaxWorkers);
    }

    [Fact]
    public async Task RegisteredPools_AreThePoolSource_ThatADashboardEnumerates()
    {
        await using TestHost host = TestHosts.Create(b => b.Services
            .AddWorkerPool("render", o => o.Workers = 1)
            .AddWorkerPool("light", o => { o.Isolation = Isolation.Thread; o.Workers = 1; }));

        IWorkerPoolSource source = host.Services.GetRequiredService<IWorkerPoolSource>();

        Assert.Equal(
            [host.Services.GetRequiredKeyedService<WorkerPool>("render"), host.Services.GetRequiredKeyedService<WorkerPool>("light")],
            source.GetPools());
    }

    [Fact]
    public async Task Provider_UnknownName_ThrowsNamingItAndTheRegisteredOnes()
    {
        await using TestHost host = TestHosts.Create(b => b.Services.AddWorkerPool("render", o => o.Workers = 1));
        IWorkerPoolProvider provider = host.Services.GetRequiredService<IWorkerPoolProvider>();

        var error = Assert.Throws<ArgumentException>(() => provider.GetPool("rendre"));

        Assert.Equal("name", error.ParamName);
        Assert.Contains("'rendre'", error.Message, StringComparison.Ordinal);
        Assert.Contains("registered: render", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void AddWorkerPool_BlankName_ThrowsNamingTheParameter(string name)
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddWorkerPool(name, o => o.Workers = 1));

        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public async Task Options_TakeTheHostsLoggerAndMeterFactories()
    {
        await using TestHost host = TestHosts.Create(b => b.Services.AddWorkerPool("render", o => o.Workers = 1));

        WorkerPoolOptions options = host.Services.GetRequiredService<IOptionsMonitor<WorkerPoolOptions>>().Get("render");

        Assert.Same(host.Services.GetRequiredService<ILoggerFactory>(), options.LoggerFactory);
        Assert.Same(host.Services.GetRequiredService<IMeterFactory>(), options.MeterFactory);
        Assert.Equal("render", options.Name);
    }

    [Fact]
    public async Task Options_FactoriesSetInCode_AreKept()
    {
        using var meters = new OwnMeterFactory();
        await using TestHost host = TestHosts.Create(b => b.Services.AddWorkerPool("render", o =>
        {
            o.LoggerFactory = NullLoggerFactory.Instance;
            o.MeterFactory = meters;
        }));

        WorkerPoolOptions options = host.Services.GetRequiredService<IOptionsMonitor<WorkerPoolOptions>>().Get("render");

        Assert.Same(NullLoggerFactory.Instance, options.LoggerFactory);
        Assert.Same(meters, options.MeterFactory);
    }

    private sealed class RenderConsumer([FromKeyedServices("render")] WorkerPool pool)
    {
        public WorkerPool Pool { get; } = pool;
    }

    private sealed class OwnMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Spindle.Extensions.Hosting.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Extensions.Hosting.Tests.Configuration;

public class ConfigurationTests
{
    [Fact]
    public async Task AddWorkerPool_ByName_BindsSpindlePoolsSection()
    {
        await using TestHost host = TestHosts.Create(
            b => b.Services.AddWorkerPool("render"),
            new Dictionary<string, string?>
            {
                ["Spindle:Pools:render:Isolation"] = "thread",
                ["Spindle:Pools:render:Workers"] = "3",
                ["Spindle:Pools:render:queueFullMode"] = "Fail",
                ["Spindle:Pools:render:CallTimeout"] = "00:00:05",
                ["Spindle:Pools:render:DrainTimeout"] = "Infinite",
                ["Spindle:Pools:render:MaxCallsPerWorker"] = "",
                ["Spindle:Pools:render:SharedMemoryThreshold"] = "67108864",
                ["Spindle:Pools:render:CheckProcessBoundary"] = "false",
            });

        WorkerPoolOptions options = host.Services.GetRequiredService<IOptionsMonitor<WorkerPoolOptions>>().Get("render");

        Assert.Equal(Isolation.Thread, options.Isolation);
        Assert.Equal(3, options.Workers);
        Assert.Equal(QueueFullMode.Fail, options.QueueFullMode);
        Assert.Equal(TimeSpan.FromSeconds(5), options.CallTimeout);
        Assert.Equal(Timeout.InfiniteTimeSpan, options.DrainTimeout);
        Assert.Null(options.MaxCallsPerWorker);
        Assert.Equal(64L << 20, options.SharedMemoryThreshold);
        Assert.False(options.CheckProcessBoundary);
        Assert.Equal("render", options.Name);
        Assert.Equal(3, host.Services.GetRequiredKeyedService<WorkerPool>("render").MaxWorkers);
    }

    [Fact]
    public async Task AddWorkerPool_WithSection_BindsIt_ThenRunsTheCodeConfiguration()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Pools:Fast:Workers"] = "2", ["Pools:Fast:MaxQueuedCalls"] = "50" })
            .Build();
        await using TestHost host = TestHosts.Create(b => b.Services.AddWorkerPool("fast", configuration.GetSection("Pools:Fast"), o => o.MaxQueuedCalls = 60));

        WorkerPool pool = host.Services.GetRequiredKeyedService<WorkerPool>("fast");

        Assert.Equal(2, pool.MaxWorkers);
        Assert.Equal(60, pool.MaxQueuedCalls);
    }

    [Theory]
    [InlineData("Workers", "0", "Spindle:Pools:render:Workers must be greater than zero (was '0').")]
    [InlineData("Workers", "four", "Spindle:Pools:render:Workers must be a whole number (was 'four').")]
    [InlineData("Isolation", "Proces", "Spindle:Pools:render:Isolation must be one of Process, Thread (was 'Proces').")]
    [InlineData("QueueFullMode", "7", "Spindle:Pools:render:QueueFullMode must be one of")]
    [InlineData("IdleTimeout", "soon", "Spindle:Pools:render:IdleTimeout must be a time span such as 00:00:30 (hours:minutes:seconds) or Infinite (was 'soon').")]
    [InlineData("CallTimeout", "30", "Spindle:Pools:render:CallTimeout must be a time span such as 00:00:30 (hours:minutes:seconds) or Infinite (was '30').")]
    [InlineData("RestartWindow", "00:00:00", "Spindle:Pools:render:RestartWindow must be positive (was '00:00:00').")]
    [InlineData("MaxMessageBytes", "100", "Spindle:Pools:render:MaxMessageBytes must be at least 4096 (was '100').")]
    [InlineData("WarmUp", "yes", "Spindle:Pools:render:WarmUp must be true or false (was 'yes').")]
    [InlineData("Workers", "", "Spindle:Pools:render:Workers must be a value (was '').")]
    [InlineData("Wokers", "2", "Spindle:Pools:render:Wokers is not a worker pool option; the options are ")]
    [InlineData("Serializer", "Json", "Spindle:Pools:render:Serializer cannot be set from configuration (a ICallSerializer): set Serializer in code")]
    public async Task StartAsync_BadValue_FailsNamingTheConfigurationKey(string option, string value, string expected)
    {
        await using TestHost host = TestHosts.Create(
            b => b.Services.AddWorkerPool("render"),
            new Dictionary<string, string?> { [$"Spindle:Pools:render:{option}"] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within("host start"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("render", error.OptionsName);
    }

    [Fact]
    public async Task AddWorkerPool_MemoryLimit_BindsForAProcessPool()
    {
        await using TestHost host = TestHosts.Create(
            b => b.Services.AddWorkerPool("render"),
            new Dictionary<string, string?> { ["Spindle:Pools:render:MemoryLimit"] = "67108864" });

        WorkerPoolOptions options = host.Services.GetRequiredService<IOptionsMonitor<WorkerPoolOptions>>().Get("render");

        Assert.Equal(64L << 20, options.MemoryLimit);
        Assert.Equal(Isolation.Process, host.Services.GetRequiredKeyedService<WorkerPool>("render").Isolation);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StartAsync_MemoryLimitWithThreadIsolation_FailsAsABadValueDoes_SayingItAppliesToWorkerProcesses(bool isolationInCode)
    {
        // Valid one by one, refused together: before, the pool was created and the limit did nothing.
        var configuration = new Dictionary<string, string?> { ["Spindle:Pools:render:MemoryLimit"] = "67108864" };
        if (!isolationInCode)
        {
            configuration["Spindle:Pools:render:Isolation"] = "Thread";
        }

        await using TestHost host = TestHosts.Create(
            b =>
            {
                b.Services.AddWorkerPool("render");
                if (isolationInCode)
                {
                    b.Services.AddWorkerPool("render", o => o.Isolation = Isolation.Thread);
                }
            },
            configuration);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within("host start"));

        Assert.Equal("render", error.OptionsName);
        string failure = Assert.Single(error.Failures);
        Assert.StartsWith("WorkerPoolOptions.MemoryLimit applies to worker processes, but WorkerPoolOptions.Isolation is Thread", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SeveralBadValues_ListsEveryKey()
    {
        await using TestHost host = TestHosts.Create(
            b => b.Services.AddWorkerPool("render"),
            new Dictionary<string, string?>
            {
                ["Spindle:Pools:render:Workers"] = "-1",
                ["Spindle:Pools:render:MaxRestarts"] = "-2",
                ["Spindle:Pools:render:PipelineDepth"] = "100",
            });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within("host start"));

        Assert.Equal(
            [
                "Spindle:Pools:render:MaxRestarts cannot be negative (was '-2').",
                "Spindle:Pools:render:PipelineDepth must be between 1 and 64 (was '100').",
                "Spindle:Pools:render:Workers must be greater than zero (was '-1').",
            ],
            error.Failures.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task StartAsync_BadValueInAGivenSection_NamesThatSectionsKey()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Render:Workers"] = "0" })
            .Build();
        await using TestHost host = TestHosts.Create(b => b.Services.AddWorkerPool("render", configuration.GetSection("Render")));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within("host start"));

        Assert.Contains("Render:Workers must be greater than zero (was '0').", error.Message, StringComparison.Ordinal);
    }
}

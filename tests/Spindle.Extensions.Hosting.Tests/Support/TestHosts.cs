using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spindle.Tests.Support;

namespace Spindle.Extensions.Hosting.Tests.Support;

/// <summary>Hosts as an app builds them (Host.CreateApplicationBuilder), with configuration from memory instead of files and the environment.</summary>
internal static class TestHosts
{
    public static TestHost Create(Action<HostApplicationBuilder> configure, IDictionary<string, string?>? configuration = null, TimeSpan? shutdownTimeout = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        if (shutdownTimeout is { } timeout)
        {
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = timeout);
        }

        configure(builder);
        return new TestHost(builder.Build());
    }

    /// <summary>A host with one small process pool named <paramref name="name"/>, configured further by <paramref name="configure"/>.</summary>
    public static TestHost WithProcessPool(string name, Action<WorkerPoolOptions>? configure = null, TimeSpan? shutdownTimeout = null) =>
        Create(
            b => b.Services.AddWorkerPool(name, o =>
            {
                o.Isolation = Isolation.Process;
                o.Workers = 1;
                configure?.Invoke(o);
            }),
            shutdownTimeout: shutdownTimeout);
}

/// <summary>A host whose disposal (which drains its pools) is bounded: a test never hangs on it.</summary>
internal sealed class TestHost(IHost host) : IAsyncDisposable
{
    public IHost Host { get; } = host;

    public IServiceProvider Services => Host.Services;

    public Task StartAsync() => Host.StartAsync();

    public Task StopAsync() => Host.StopAsync();

    public ValueTask DisposeAsync() => new(((IAsyncDisposable)Host).DisposeAsync().AsTask().Within("host dispose"));
}

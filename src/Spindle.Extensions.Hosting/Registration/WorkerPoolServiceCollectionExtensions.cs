using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spindle;
using Spindle.Extensions.Hosting.Configuration;
using Spindle.Extensions.Hosting.Lifetime;
using Spindle.Extensions.Hosting.Registration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds named <see cref="WorkerPool"/>s to a service collection.</summary>
/// <remarks>
/// Each pool is a keyed singleton (<c>[FromKeyedServices("render")] WorkerPool pool</c>,
/// <c>GetRequiredKeyedService&lt;WorkerPool&gt;("render")</c>), also found by name through <see cref="IWorkerPoolProvider"/>.
/// Its <see cref="WorkerPoolOptions"/> are named options (<c>IOptionsMonitor&lt;WorkerPoolOptions&gt;.Get("render")</c>)
/// validated when the host starts, so a bad configuration value stops the app at start, naming its key, and so do options a
/// pool would refuse together (<see cref="WorkerPoolOptions.MemoryLimit"/> with <see cref="Isolation.Thread"/>), naming them. The host starts
/// every pool when it starts (waiting for its workers when <see cref="WorkerPoolOptions.WarmUp"/> is set), drains them
/// when it stops, after every hosted service has stopped and within its shutdown timeout, and the container disposes them. <see cref="WorkerPoolOptions.Name"/>
/// defaults to the pool's registered name; <see cref="WorkerPoolOptions.LoggerFactory"/> and
/// <see cref="WorkerPoolOptions.MeterFactory"/> default to the host's. Calling <c>AddWorkerPool</c> again with the same
/// name adds configuration to the same pool.
/// </remarks>
public static class WorkerPoolServiceCollectionExtensions
{
    /// <summary>The configuration section a pool named <c>name</c> is read from by <see cref="AddWorkerPool(IServiceCollection, string)"/>: <c>Spindle:Pools:{name}</c>.</summary>
    public const string DefaultSectionPrefix = "Spindle:Pools";

    /// <summary>Adds a pool named <paramref name="name"/> configured from the host's configuration section <c>Spindle:Pools:{name}</c> (defaults where it is absent).</summary>
    public static IServiceCollection AddWorkerPool(this IServiceCollection services, string name)
    {
        AddPool(services, name).Configure<IServiceProvider>((options, provider) =>
        {
            if (provider.GetService<IConfiguration>() is { } configuration)
            {
                WorkerPoolConfigurationBinder.Bind(configuration.GetSection($"{DefaultSectionPrefix}:{name}"), options, name);
            }
        });
        return services;
    }

    /// <summary>Adds a pool named <paramref name="name"/> configured in code.</summary>
    public static IServiceCollection AddWorkerPool(this IServiceCollection services, string name, Action<WorkerPoolOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddPool(services, name).Configure(configure);
        return services;
    }

    /// <summary>
    /// Adds a pool named <paramref name="name"/> configured from <paramref name="configuration"/> (a section such as
    /// <c>configuration.GetSection("Spindle:Pools:render")</c>), then by <paramref name="configure"/>, which can set what
    /// configuration cannot (an <see cref="WorkerPoolOptions.Initializer"/>, a <see cref="WorkerPoolOptions.Serializer"/> or <see cref="WorkerPoolOptions.SerializerFactory"/>).
    /// </summary>
    public static IServiceCollection AddWorkerPool(this IServiceCollection services, string name, IConfiguration configuration, Action<WorkerPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        OptionsBuilder<WorkerPoolOptions> options = AddPool(services, name).Configure(o => WorkerPoolConfigurationBinder.Bind(configuration, o, name));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services;
    }

    /// <summary>Registers the pool's name, its options (named after it, validated at start) and the keyed singleton, once per name.</summary>
    private static OptionsBuilder<WorkerPoolOptions> AddPool(IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        AddPoolServices(services);
        OptionsBuilder<WorkerPoolOptions> options = services.AddOptions<WorkerPoolOptions>(name);
        bool known = services.Any(d => d.ServiceType == typeof(WorkerPoolRegistration) && d.ImplementationInstance is WorkerPoolRegistration r && r.Name == name);
        if (!known)
        {
            services.AddSingleton(new WorkerPoolRegistration(name));
            options.Configure(o => o.Name = name).ValidateOnStart();

            // After every Configure, whenever registered: the host's logging and metrics unless the code chose others.
            options.PostConfigure<IServiceProvider>((o, provider) =>
            {
                o.LoggerFactory ??= provider.GetService<ILoggerFactory>();
                o.MeterFactory ??= provider.GetService<IMeterFactory>();
            });
            services.AddKeyedSingleton(name, static (provider, key) =>
                new WorkerPool(provider.GetRequiredService<IOptionsMonitor<WorkerPoolOptions>>().Get((string)key!)));
        }

        return options;
    }

    /// <summary>What every pool shares: the provider, the options' validation and the hosted service that starts and stops them all.</summary>
    internal static void AddPoolServices(IServiceCollection services)
    {
        services.TryAddSingleton<IWorkerPoolProvider, WorkerPoolProvider>();
        services.TryAddSingleton<IWorkerPoolSource>(provider => provider.GetRequiredService<IWorkerPoolProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerPoolOptions>, WorkerPoolOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WorkerPoolsHostedService>());
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spindle.AspNetCore.Access;
using Spindle.AspNetCore.Live;
using Spindle.AspNetCore.Status;
using Spindle.AspNetCore.Web;

namespace Spindle;

/// <summary>Mounts the Spindle dashboard in an ASP.NET Core app.</summary>
public static class SpindleDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves a live dashboard of worker pools under <paramref name="pattern"/>: the page at <c>{pattern}/</c>, its JSON at
    /// <c>{pattern}/api/status</c>, server-sent events at <c>{pattern}/api/events</c>. Only this machine may see it until
    /// <see cref="SpindleDashboardOptions.Authorization"/> says otherwise.
    /// </summary>
    /// <param name="endpoints">The app's routes (<c>app</c> in Program.cs).</param>
    /// <param name="pattern">Where to mount it, for example <c>/spindle</c>.</param>
    /// <param name="configure">Sets the pools to show and who may see them.</param>
    /// <returns>The dashboard's endpoints, for conventions such as <c>.RequireAuthorization(...)</c>.</returns>
    /// <remarks>
    /// <code>
    ///  request ─▶ Host check (400) ─▶ Authorization hook (403) ─▶ same-origin check for POST (403) ─▶ page, assets, status, events, kill
    ///                                                                          PoolMonitor ◀─ SnapshotFeed (2×/s) ─┘
    /// </code>
    /// </remarks>
    public static IEndpointConventionBuilder MapSpindleDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/spindle", Action<SpindleDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (string.IsNullOrWhiteSpace(pattern))
        {
            throw new ArgumentException("pattern cannot be empty: give the path to mount the dashboard at, for example \"/spindle\".", nameof(pattern));
        }

        var options = new SpindleDashboardOptions();
        configure?.Invoke(options);
        if (options.Pools.Any(p => p is null))
        {
            throw new ArgumentException("SpindleDashboardOptions.Pools holds a null pool.", nameof(configure));
        }

        IServiceProvider services = endpoints.ServiceProvider;
        var monitor = new PoolMonitor(PoolsOf(options, services));
        var feed = new SnapshotFeed(monitor.SampleToJson);

        // Sampling runs while the app runs: it starts once the app has started (pools made by DI exist by then) and
        // stops with it, which also ends every open event stream.
        IHostApplicationLifetime? lifetime = services.GetService<IHostApplicationLifetime>();
        if (lifetime is null)
        {
            feed.Start();
        }
        else
        {
            lifetime.ApplicationStarted.Register(feed.Start);
            lifetime.ApplicationStopping.Register(() =>
            {
                feed.Stop();
                monitor.Dispose();
            });
        }

        var hosts = new HostGuard(listening: null, options.AllowedHosts, "The Spindle dashboard", "add the name to SpindleDashboardOptions.AllowedHosts to serve it");
        RouteGroupBuilder group = endpoints.MapGroup(pattern);
        DashboardEndpoints.Map(group, new DashboardGate(hosts, options.Authorization), monitor, feed, options, lifetime?.ApplicationStopping ?? CancellationToken.None);
        return group;
    }

    /// <summary>The options' pools if they name any, else the registered <see cref="IWorkerPoolSource"/>'s.</summary>
    private static Func<IEnumerable<WorkerPool>> PoolsOf(SpindleDashboardOptions options, IServiceProvider services)
    {
        WorkerPool[] listed = [.. options.Pools];
        Func<IServiceProvider, IEnumerable<WorkerPool>>? factory = options.PoolSource;
        if (listed.Length > 0 || factory is not null)
        {
            return factory is null ? () => listed : () => listed.Concat(factory(services) ?? []);
        }

        IWorkerPoolSource source = services.GetService<IWorkerPoolSource>() ?? throw new InvalidOperationException(
            "MapSpindleDashboard has no pools to show: add them with options.Pools.Add(pool) or options.PoolSource, or register an IWorkerPoolSource.");
        return source.GetPools;
    }
}

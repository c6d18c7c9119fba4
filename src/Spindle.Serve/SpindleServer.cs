using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spindle.AspNetCore.Access;
using Spindle.AspNetCore.Live;
using Spindle.Serve.Jobs;
using Spindle.Serve.Jobs.Storage;
using Spindle.Serve.Status;
using Spindle.Serve.Web;

namespace Spindle.Serve;

/// <summary>
/// <c>spindle serve</c>: a Kestrel web server in front of the render farm. Kestrel runs each request on a thread-pool
/// thread (the seeds' "threads handle incoming requests"); frames render in worker processes (their "each render is
/// a separate process"), or, with <see cref="ServeOptions.Cluster"/>, on the cluster's agents. It serves a live
/// dashboard, an HTML form and a JSON API; the farm's pool is shown by the Spindle dashboard (Spindle.AspNetCore),
/// mounted at <c>/pools</c> as any app mounts it. Jobs are kept in memory, or in the cluster's JetStream (Jobs/Storage).
/// </summary>
/// <remarks>
/// <code>
///  browser / HttpClient ──HTTP──▶ Kestrel (thread-pool threads) ──▶ JobRegistry ──one job at a time──▶ render farm's WorkerPool
///     ▲  ▲                                                                                                     │
///     │  └── /pools/api/events ◀── Spindle dashboard (2×/s: /proc CPU and RSS, the pool's events) ◀───────────┘
///     └───── /api/events ◀──────── StatusMonitor (2×/s: jobs, frames per second) ◀── JobRegistry
///  JobRegistry ◀──▶ IJobStore: MemoryJobStore (lost on restart), or JetStreamJobStore (jobs KV + animations object store)
///  with a cluster, the farm's pool sends frames to the agents, and /pools also lists the agents (drain, kill)
///  stop: event streams end ─► the running job is cancelled ─► Kestrel drains (DrainTimeout, then cuts) ─► workers stop
/// </code>
/// </remarks>
public sealed class SpindleServer : IAsyncDisposable
{
    /// <summary>Where the farm's pool is shown: the Spindle dashboard's mount point.</summary>
    internal const string PoolsPath = "/pools";

    private const long MaxRequestBodyBytes = 64 * 1024;

    private static readonly TimeSpan StoreOpenTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a stop waits for requests in flight before cutting their connections.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(1);

    private readonly WebApplication _app;
    private readonly IJobRenderer _renderer;
    private readonly JobRegistry _jobs;
    private readonly StatusMonitor _status;
    private readonly CancellationTokenSource _stopping;
    private int _disposed;

    private SpindleServer(WebApplication app, IJobRenderer renderer, JobRegistry jobs, StatusMonitor status, CancellationTokenSource stopping, Uri address)
    {
        _app = app;
        _renderer = renderer;
        _jobs = jobs;
        _status = status;
        _stopping = stopping;
        Address = address;
    }

    /// <summary>Where the server listens, with the real port when <see cref="ServeOptions.Port"/> was 0.</summary>
    public Uri Address { get; }

    /// <summary>Where jobs are kept and whether a restart loses them, in the sentence the dashboard shows.</summary>
    public string JobStorage => _jobs.Store.Description;

    /// <summary>
    /// Starts the farm's workers and the web server; throws <see cref="PortInUseException"/> when the port is taken and
    /// <see cref="HostNotAvailableException"/> when the address is not this machine's.
    /// </summary>
    public static Task<SpindleServer> StartAsync(ServeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return StartAsync(options, new FarmJobRenderer(options.Workers, options.Cluster), cancellationToken);
    }

    /// <summary>Ends event streams, stops the running job, stops taking requests (cutting off slow ones), stops the farm's workers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);

        // The job first: a client trickling a request must not keep the farm rendering while Kestrel waits for it.
        await _jobs.StopAsync().ConfigureAwait(false);

        // Kestrel waits for requests in flight; past the bound it aborts their connections. The bound stays well under
        // the time a signalled `spindle serve` is given before it is ended (5 s), so the workers are still stopped here.
        using (var drain = new CancellationTokenSource(DrainTimeout))
        {
            await _app.StopAsync(drain.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        await _status.DisposeAsync().ConfigureAwait(false);
        await _jobs.DisposeAsync().ConfigureAwait(false);
        await _renderer.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    internal static async Task<SpindleServer> StartAsync(ServeOptions options, IJobRenderer renderer, CancellationToken cancellationToken)
    {
        JobRegistry? jobs = null;
        StatusMonitor? status = null;
        WebApplication? app = null;
        var stopping = new CancellationTokenSource();
        try
        {
            jobs = await JobRegistry.OpenAsync(renderer, await OpenStoreAsync(renderer.Pool, cancellationToken).ConfigureAwait(false),
                options.MaxQueuedJobs, options.KeepFinishedJobs, cancellationToken).ConfigureAwait(false);
            status = new StatusMonitor(jobs);
            app = Build(options, renderer, jobs, status, stopping.Token);

            // The port first, so a port in use fails fast; then the workers, so the dashboard shows them from the start.
            await StartListeningAsync(app, options, cancellationToken).ConfigureAwait(false);
            await renderer.Pool.WarmUpAsync(cancellationToken).ConfigureAwait(false);
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return new SpindleServer(app, renderer, jobs, status, stopping, address);
        }
        catch
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            if (app is not null)
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false);
            }

            if (status is not null)
            {
                await status.DisposeAsync().ConfigureAwait(false);
            }

            if (jobs is not null)
            {
                await jobs.DisposeAsync().ConfigureAwait(false);
            }

            await renderer.DisposeAsync().ConfigureAwait(false);
            stopping.Dispose();
            throw;
        }
    }

    /// <summary>With a cluster, its JetStream keeps the jobs; without one, memory does (and the dashboard says they die with the server).</summary>
    private static async Task<IJobStore> OpenStoreAsync(WorkerPool pool, CancellationToken cancellationToken)
    {
        if (!pool.RunsOnCluster())
        {
            return new MemoryJobStore();
        }

        (NATS.Client.JetStream.INatsJSContext js, string cluster) = ClusterPool.StorageOf(pool);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(StoreOpenTimeout);
        return await JetStreamJobStore.OpenAsync(js, cluster, bounded.Token).ConfigureAwait(false);
    }

    private static WebApplication Build(ServeOptions options, IJobRenderer renderer, JobRegistry jobs, StatusMonitor status, CancellationToken stopping)
    {
        // The empty builder reads no appsettings.json or ASPNETCORE_* variables from wherever the user happens to be.
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Listen(new IPEndPoint(options.Address, options.Port));
        });

        WebApplication app = builder.Build();

        // First of all, so no page, asset, event stream or action answers a name this server does not go by.
        app.Use(new HostGuard(options.Address, options.AllowedHosts, "This server", "start it with --allowed-host NAME to serve another name").InvokeAsync);
        app.Use((context, next) =>
        {
            status.CountRequest();
            return next(context);
        });
        app.Use(SameOriginGuard.InvokeAsync);
        ApiEndpoints.Map(app, jobs, status);
        app.MapGet("/api/events", (HttpContext context) => EventStream.StreamAsync(context, status.SnapshotJson, status.Feed, stopping));
        PageEndpoints.Map(app, jobs);

        // The farm's pool, on the same component any app mounts. Everyone who reaches this server may use it, as they
        // may use its job API: the server listens only where it was told to (127.0.0.1 unless --host says otherwise).
        app.MapSpindleDashboard(PoolsPath, dashboard =>
        {
            // Asked for anew each time: a faulted farm pool is replaced (FarmJobRenderer), and the new one is shown.
            dashboard.PoolSource = _ => [renderer.Pool];
            dashboard.AllowedHosts = options.AllowedHosts;
            dashboard.Authorization = static _ => ValueTask.FromResult(true);
            dashboard.Title = "Spindle render farm";
        });
        return app;
    }

    private static async Task StartListeningAsync(WebApplication app, ServeOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsAddressInUse(e))
        {
            throw new PortInUseException(options.Host, options.Port, e);
        }
        catch (Exception e) when (SocketErrorIn(e) is { SocketErrorCode: SocketError.AddressNotAvailable } notHere)
        {
            throw new HostNotAvailableException(options.Host, notHere.Message, e);
        }
    }

    private static bool IsAddressInUse(Exception e) =>
        Chain(e).Any(inner => inner is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse });

    /// <summary>The socket error under Kestrel's wrapping, if the failure was one.</summary>
    private static SocketException? SocketErrorIn(Exception e) => Chain(e).OfType<SocketException>().FirstOrDefault();

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}

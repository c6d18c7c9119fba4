using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spindle.Tests.Support;

namespace Spindle.AspNetCore.Tests.Support;

/// <summary>
/// A user's app as the README shows it: a real Kestrel on a free port with two pools, one of worker threads and one
/// of worker processes, and the dashboard mounted where the test says.
/// </summary>
internal sealed class DashboardApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardApp(WebApplication app, WorkerPool threads, WorkerPool processes, Uri address)
    {
        _app = app;
        Threads = threads;
        Processes = processes;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = Bounded.Unexpected };
    }

    /// <summary>The pool of worker threads, named "threads".</summary>
    public WorkerPool Threads { get; }

    /// <summary>The pool of worker processes, named "processes".</summary>
    public WorkerPool Processes { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Two warm pools of two workers each, listed in the options, and the dashboard at <paramref name="prefix"/>.</summary>
    public static Task<DashboardApp> StartAsync(string prefix = "/spindle", Action<SpindleDashboardOptions>? configure = null, IPAddress? listen = null) =>
        StartAsync(listen ?? IPAddress.Loopback, services: null, (routes, threads, processes) => routes.MapSpindleDashboard(prefix, options =>
        {
            options.Pools.Add(threads);
            options.Pools.Add(processes);
            configure?.Invoke(options);
        }));

    /// <summary>The same app, with services of the test's and the dashboard mapped by <paramref name="map"/>.</summary>
    public static async Task<DashboardApp> StartAsync(IPAddress listen, Action<IServiceCollection>? services, Action<IEndpointRouteBuilder, WorkerPool, WorkerPool> map)
    {
        var threads = new WorkerPool(new WorkerPoolOptions { Name = "threads", Isolation = Isolation.Thread, Workers = 2, WarmUp = true });
        var processes = new WorkerPool(new WorkerPoolOptions { Name = "processes", Isolation = Isolation.Process, Workers = 2, WarmUp = true, MaxRestarts = 100 });
        WebApplication? app = null;
        try
        {
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(listen, 0));
            services?.Invoke(builder.Services);
            app = builder.Build();
            map(app, threads, processes);
            await app.StartAsync().Within("the app to start");
            await Task.WhenAll(threads.WarmUpAsync(), processes.WarmUpAsync()).Within("the pools to warm up");
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new DashboardApp(app, threads, processes, new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)));
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            await threads.DisposeAsync();
            await processes.DisposeAsync();
            throw;
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using HttpResponseMessage response = await Client.GetAsync(path).Within($"GET {path}");
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>The pool with <paramref name="key"/> in the dashboard's status at <paramref name="prefix"/>.</summary>
    public async Task<JsonElement> PoolAsync(string key, string prefix = "/spindle") =>
        (await GetJsonAsync($"{prefix}/api/status")).GetProperty("pools").EnumerateArray().Single(p => p.GetProperty("key").GetString() == key);

    /// <summary>Stops the app, then the pools: the order a host stops them in.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().Within("the app to stop");
        await _app.DisposeAsync();
        await Threads.DisposeAsync().AsTask().Within("the thread pool to stop");
        await Processes.DisposeAsync().AsTask().Within("the process pool to stop");
    }
}

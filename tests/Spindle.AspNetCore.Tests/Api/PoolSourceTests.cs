using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spindle.AspNetCore.Tests.Support;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.AspNetCore.Tests.Api;

/// <summary>Where the pools come from (options, a factory, a registered <see cref="IWorkerPoolSource"/>) and how the mapping is set up.</summary>
public sealed class PoolSourceTests
{
    [Fact]
    public async Task NoPoolsInOptions_TheRegisteredSourcesPoolsAreShown_AsTheyComeAndGo()
    {
        var source = new ListSource();
        await using DashboardApp app = await StartWithSourceAsync(source, (routes, processes) => routes.MapSpindleDashboard("/spindle"));

        Assert.Equal(["threads"], await KeysAsync(app));

        // A registry that gains a pool: the dashboard shows it within a sample or two, and forgets it when it goes.
        source.Pools.Add(app.Processes);
        await Poll.UntilAsync(async () => (await KeysAsync(app)).SequenceEqual(["threads", "processes"]), "the added pool to appear");
        source.Pools.Remove(app.Threads);
        await Poll.UntilAsync(async () => (await KeysAsync(app)).SequenceEqual(["processes"]), "the removed pool to go");
    }

    [Fact]
    public async Task PoolsInOptions_WinOverARegisteredSource()
    {
        var source = new ListSource();
        await using DashboardApp app = await StartWithSourceAsync(source, (routes, processes) => routes.MapSpindleDashboard("/spindle", o => o.PoolSource = _ => [processes]));

        Assert.Equal(["processes"], await KeysAsync(app));
    }

    [Fact]
    public async Task NoPoolsAnywhere_MapThrows_NamingWhereToGiveThem()
    {
        await using WebApplication app = WebApplication.CreateSlimBuilder().Build();

        var refused = Assert.Throws<InvalidOperationException>(() => app.MapSpindleDashboard("/spindle"));

        Assert.Contains("options.Pools.Add", refused.Message, StringComparison.Ordinal);
        Assert.Contains("IWorkerPoolSource", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task EmptyPattern_Throws_NamingIt(string pattern)
    {
        await using WebApplication app = WebApplication.CreateSlimBuilder().Build();
        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Thread });

        var refused = Assert.Throws<ArgumentException>(() => app.MapSpindleDashboard(pattern, o => o.Pools.Add(pool)));

        Assert.Equal("pattern", refused.ParamName);
    }

    [Fact]
    public void NullHook_Throws_NamingTheOption()
    {
        var refused = Assert.Throws<ArgumentNullException>(() => new SpindleDashboardOptions { Authorization = null! });
        Assert.Equal(nameof(SpindleDashboardOptions.Authorization), refused.ParamName);
    }

    [Fact]
    public async Task RequireAuthorization_OnWhatMapReturns_GuardsEveryEndpoint()
    {
        await using DashboardApp app = await DashboardApp.StartAsync(
            IPAddress.Loopback,
            services => services.AddAuthorization().AddAuthentication("none").AddScheme<AuthenticationSchemeOptions, NobodyHandler>("none", null),
            (routes, threads, processes) => routes.MapSpindleDashboard("/spindle", o => o.Pools.Add(threads)).RequireAuthorization());

        foreach (string path in new[] { "/spindle/", "/spindle/api/status", "/spindle/assets/pools.js" })
        {
            using HttpResponseMessage response = await app.Client.GetAsync(path).Within(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    /// <summary>The app with <paramref name="source"/> registered and holding its thread pool; <paramref name="map"/> mounts the dashboard.</summary>
    private static Task<DashboardApp> StartWithSourceAsync(ListSource source, Action<IEndpointRouteBuilder, WorkerPool> map) =>
        DashboardApp.StartAsync(
            IPAddress.Loopback,
            services => services.AddSingleton<IWorkerPoolSource>(source),
            (routes, threads, processes) =>
            {
                source.Pools.Add(threads);
                map(routes, processes);
            });

    private static async Task<string[]> KeysAsync(DashboardApp app) =>
        [.. (await app.GetJsonAsync("/spindle/api/status")).GetProperty("pools").EnumerateArray().Select(p => p.GetProperty("key").GetString()!)];

    /// <summary>A registry of pools the test changes while the app runs.</summary>
    private sealed class ListSource : IWorkerPoolSource
    {
        public SynchronizedList Pools { get; } = new();

        public IEnumerable<WorkerPool> GetPools() => Pools.Snapshot();
    }

    private sealed class SynchronizedList
    {
        private readonly Lock _gate = new();
        private readonly List<WorkerPool> _pools = [];

        public void Add(WorkerPool pool)
        {
            lock (_gate)
            {
                _pools.Add(pool);
            }
        }

        public void Remove(WorkerPool pool)
        {
            lock (_gate)
            {
                _pools.Remove(pool);
            }
        }

        public WorkerPool[] Snapshot()
        {
            lock (_gate)
            {
                return [.. _pools];
            }
        }
    }

    /// <summary>An authentication scheme that never knows the caller: every request is anonymous.</summary>
    private sealed class NobodyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, System.Text.Encodings.Web.UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}

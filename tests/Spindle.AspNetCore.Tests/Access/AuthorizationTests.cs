using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Spindle.AspNetCore.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.AspNetCore.Tests.Access;

/// <summary>Who may see the dashboard: by default only this machine; a hook that says no means 403 everywhere.</summary>
public sealed class AuthorizationTests
{
    public static TheoryData<string, string> Endpoints => new()
    {
        { "GET", "/spindle/" },
        { "GET", "/spindle" },
        { "GET", "/spindle/assets/pools.js" },
        { "GET", "/spindle/api/status" },
        { "GET", "/spindle/api/events" },
        { "POST", "/spindle/api/pools/processes/workers/{pid}/kill" },
        { "POST", "/spindle/api/pools/processes/agents/some-agent/drain" },
        { "POST", "/spindle/api/pools/processes/agents/some-agent/kill" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task HookSaysNo_Every_Endpoint_Answers403_AndNothingHappens(string method, string path)
    {
        var asked = 0;
        await using DashboardApp app = await DashboardApp.StartAsync(configure: o => o.Authorization = _ =>
        {
            Interlocked.Increment(ref asked);
            return ValueTask.FromResult(false);
        });
        int pid = app.Processes.GetWorkers()[0].Id;

        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{pid}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        using HttpResponseMessage response = await app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).Within($"{method} {path}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("SpindleDashboardOptions.Authorization", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, asked);
        using var worker = System.Diagnostics.Process.GetProcessById(pid);
        Assert.False(worker.HasExited, "a refused request killed a worker");
    }

    [Fact]
    public async Task HookSaysYes_PageServed()
    {
        await using DashboardApp app = await DashboardApp.StartAsync(configure: o => o.Authorization = context => ValueTask.FromResult(context.Request.Headers.ContainsKey("X-Let-Me-In")));

        using var refused = await app.Client.GetAsync("/spindle/api/status").Within("GET without the header");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/spindle/api/status") { Headers = { { "X-Let-Me-In", "yes" } } };
        using var served = await app.Client.SendAsync(request).Within("GET with the header");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task DefaultHook_RealConnectionFromANonLoopbackAddress_Refused403_LoopbackServed()
    {
        await using DashboardApp app = await DashboardApp.StartAsync(IPAddress.Any, services: null, (routes, threads, processes) =>
            routes.MapSpindleDashboard("/spindle", o => o.Pools.Add(processes)));

        using HttpResponseMessage fromLoopback = await app.Client.GetAsync("/spindle/api/status").Within("GET over loopback");
        Assert.Equal(HttpStatusCode.OK, fromLoopback.StatusCode);

        // This machine's own address on a real interface: the connection's remote address is that address, not loopback.
        IPAddress? own = NonLoopbackAddress();
        if (own is null)
        {
            // A machine with no interface but loopback cannot make such a connection; the decision is still checked.
            Assert.False(await DashboardAuthorization.LoopbackOnly(Context(IPAddress.Parse("192.0.2.7"))));
            return;
        }

        using var client = new HttpClient { Timeout = Bounded.Unexpected };
        using HttpResponseMessage fromNetwork = await client.GetAsync(new Uri($"http://{own}:{app.Address.Port}/spindle/api/status")).Within($"GET from {own}");
        Assert.Equal(HttpStatusCode.Forbidden, fromNetwork.StatusCode);
    }

    [Fact]
    public async Task DefaultHook_LoopbackConnectionRelayingSomeoneElse_Refused403()
    {
        await using DashboardApp app = await DashboardApp.StartAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/spindle/api/status") { Headers = { { "X-Forwarded-For", "203.0.113.9" } } };
        using HttpResponseMessage response = await app.Client.SendAsync(request).Within("GET through a proxy");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", null, true)]
    [InlineData("127.8.9.10", null, true)]
    [InlineData("::1", null, true)]
    [InlineData("::ffff:127.0.0.1", null, true)]
    [InlineData("192.0.2.7", null, false)]
    [InlineData("10.0.0.1", null, false)]
    [InlineData("fe80::1", null, false)]
    [InlineData("::ffff:192.0.2.7", null, false)]
    [InlineData("127.0.0.1", "X-Forwarded-For", false)]
    [InlineData("127.0.0.1", "Forwarded", false)]
    [InlineData("::1", "X-Real-IP", false)]
    [InlineData(null, null, false)]
    public async Task LoopbackOnly_Decides_ByTheConnectionsAddress(string? remote, string? forwardingHeader, bool allowed)
    {
        DefaultHttpContext context = Context(remote is null ? null : IPAddress.Parse(remote));
        if (forwardingHeader is not null)
        {
            context.Request.Headers[forwardingHeader] = "203.0.113.9";
        }

        Assert.Equal(allowed, await DashboardAuthorization.LoopbackOnly(context));
    }

    [Fact]
    public async Task AuthenticatedUsers_AllowsOnlyASignedInUser()
    {
        DefaultHttpContext anonymous = Context(IPAddress.Parse("192.0.2.7"));
        DefaultHttpContext signedIn = Context(IPAddress.Parse("192.0.2.7"));
        signedIn.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim("name", "ada")], authenticationType: "test"));

        Assert.False(await DashboardAuthorization.AuthenticatedUsers(anonymous));
        Assert.True(await DashboardAuthorization.AuthenticatedUsers(signedIn));
    }

    private static DefaultHttpContext Context(IPAddress? remote) => new() { Connection = { RemoteIpAddress = remote } };

    private static IPAddress? NonLoopbackAddress() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}

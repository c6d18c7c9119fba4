using System.Net;
using Microsoft.AspNetCore.Http;
using Spindle.AspNetCore.Access;
using Spindle.AspNetCore.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.AspNetCore.Tests.Access;

/// <summary>
/// DNS rebinding: a page whose own name resolves to this machine reaches the app as its own origin, with
/// <c>Host: evil.example:PORT</c>. The dashboard answers only to localhost, IP addresses and the names it is given.
/// </summary>
public sealed class HostTests
{
    [Theory]
    [InlineData("GET", "/spindle/")]
    [InlineData("GET", "/spindle/api/status")]
    [InlineData("GET", "/spindle/api/events")]
    [InlineData("GET", "/spindle/assets/pools.js")]
    [InlineData("POST", "/spindle/api/pools/processes/workers/{pid}/kill")]
    public async Task ForeignHost_Refused400_AsSpindleServeRefusesIt_NamingTheOption(string method, string path)
    {
        await using DashboardApp app = await DashboardApp.StartAsync();
        int pid = app.Processes.GetWorkers()[0].Id;
        int port = app.Address.Port;

        using HttpResponseMessage response = await SendAsync(app, method, path.Replace("{pid}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), $"evil.example:{port}", $"http://evil.example:{port}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        string message = await response.Content.ReadAsStringAsync();
        Assert.Contains("'evil.example' is not served", message, StringComparison.Ordinal);
        Assert.Contains("SpindleDashboardOptions.AllowedHosts", message, StringComparison.Ordinal);
        using var worker = System.Diagnostics.Process.GetProcessById(pid);
        Assert.False(worker.HasExited, "a refused host killed a worker");
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("192.0.2.44")]
    public async Task LocalhostAndAddresses_Served(string host)
    {
        await using DashboardApp app = await DashboardApp.StartAsync();

        using HttpResponseMessage response = await SendAsync(app, "GET", "/spindle/api/status", $"{host}:{app.Address.Port}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AllowedHosts_ServesThatName_OnlyThatName()
    {
        await using DashboardApp app = await DashboardApp.StartAsync(configure: o => o.AllowedHosts = ["ops.example.test"]);
        int port = app.Address.Port;

        using HttpResponseMessage named = await SendAsync(app, "GET", "/spindle/api/status", $"OPS.example.test:{port}");
        using HttpResponseMessage sub = await SendAsync(app, "GET", "/spindle/api/status", $"evil.ops.example.test:{port}");
        using HttpResponseMessage other = await SendAsync(app, "GET", "/spindle/api/status", $"other.test:{port}");

        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, sub.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);

        // A rebinding page can read the refusal: it learns no configured name from it.
        Assert.DoesNotContain("ops.example.test", await other.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("evil.example:80")]
    [InlineData("http://evil.example")]
    [InlineData("*.example")]
    [InlineData("")]
    [InlineData("trailing.dot.")]
    public void AllowedHosts_NotAHostName_ThrowsNamingTheOption(string name)
    {
        var refused = Assert.Throws<ArgumentException>(() => new SpindleDashboardOptions { AllowedHosts = [name] });
        Assert.Equal(nameof(SpindleDashboardOptions.AllowedHosts), refused.ParamName);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1:80", true)]
    [InlineData("127.0.0.1", "[::ffff:127.0.0.1]", true)]
    [InlineData("127.0.0.1", "192.168.1.5:5080", false)]
    [InlineData("127.0.0.1", "evil.example", false)]
    [InlineData("127.0.0.1", "localhost.evil.example", false)]
    [InlineData("127.0.0.1", "", true)]
    [InlineData("0.0.0.0", "192.168.1.5:5080", true)]
    [InlineData("0.0.0.0", "[fe80::1]:5080", true)]
    [InlineData("0.0.0.0", "myhost.lan:5080", false)]
    [InlineData("192.168.1.5", "192.168.1.5:5080", true)]
    [InlineData("192.168.1.5", "192.168.1.6:5080", false)]
    [InlineData(null, "192.168.1.6:5080", true)]
    [InlineData(null, "myhost.lan", false)]
    public void Serves_NamesAndAddresses_AsDocumented(string? listening, string host, bool served) =>
        Assert.Equal(served, new HostGuard(listening is null ? null : IPAddress.Parse(listening), [], "This server", "allow it").Serves(new HostString(host)));

    private static async Task<HttpResponseMessage> SendAsync(DashboardApp app, string method, string path, string host, string? origin = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Host = host;
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        // Headers only: a stream that was wrongly served would otherwise never end.
        return await app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).Within($"{method} {path} with Host {host}");
    }
}

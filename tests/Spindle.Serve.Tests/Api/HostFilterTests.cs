using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Api;

/// <summary>
/// DNS rebinding: a web page whose own name resolves to 127.0.0.1 reaches the server as its own origin, with
/// <c>Host: evil.example:PORT</c> and a matching <c>Origin</c>. Only names the server goes by are served.
/// </summary>
public sealed class HostFilterTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private int Port => Server.Server.Address.Port;

    [Theory]
    [InlineData("GET", "/api/status")]
    [InlineData("POST", "/api/jobs")]
    [InlineData("POST", "/pools/api/pools/spindle-serve/workers/{pid}/kill")]
    [InlineData("GET", "/api/events")]
    [InlineData("GET", "/pools/")]
    [InlineData("GET", "/pools/api/status")]
    [InlineData("GET", "/pools/api/events")]
    [InlineData("GET", "/pools/assets/pools.js")]
    [InlineData("GET", "/")]
    [InlineData("GET", "/assets/dashboard.js")]
    [InlineData("POST", "/jobs")]
    [InlineData("GET", "/api/jobs")]
    public async Task ForeignHost_WithMatchingOrigin_Refused400WithAPlainMessage(string method, string path)
    {
        int[] workers = await Server.WorkerPidsAsync();
        int jobsBefore = await JobCountAsync();
        string target = path.Replace("{pid}", workers[0].ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        using HttpResponseMessage response = await SendAsync(method, target, host: $"evil.example:{Port}", origin: $"http://evil.example:{Port}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        string message = await response.Content.ReadAsStringAsync().Within("the refusal's body");
        Assert.Contains("'evil.example' is not served", message, StringComparison.Ordinal);
        Assert.Contains("--allowed-host", message, StringComparison.Ordinal);
        Assert.True(message.Length < 300, $"The refusal is not short: {message}");

        // Nothing happened behind the refusal.
        Assert.Equal(jobsBefore, await JobCountAsync());
        using Process worker = Process.GetProcessById(workers[0]);
        Assert.False(worker.HasExited, "The worker was killed through a refused host.");
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("LOCALHOST")]
    public async Task LoopbackName_WithThePort_Served(string name)
    {
        using HttpResponseMessage status = await SendAsync("GET", "/api/status", host: $"{name}:{Port}");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);

        // A same-origin post gets past both guards to the endpoint (which knows no such worker).
        using HttpResponseMessage kill = await SendAsync("POST", TestServer.KillPath(1), host: $"{name}:{Port}", origin: $"http://{name}:{Port}");
        Assert.Equal(HttpStatusCode.NotFound, kill.StatusCode);
    }

    [Fact]
    public async Task AllowedHost_Named_IsServed_OthersStillRefused()
    {
        await using TestServer server = await TestServer.StartAsync(configure: o => o.AllowedHosts = ["spindle.test", "192.168.77.5"]);
        int port = server.Server.Address.Port;

        using HttpResponseMessage named = await SendAsync(server, "GET", "/api/status", host: $"spindle.test:{port}");
        using HttpResponseMessage address = await SendAsync(server, "GET", "/api/status", host: $"192.168.77.5:{port}");
        using HttpResponseMessage post = await SendAsync(server, "POST", TestServer.KillPath(1), host: $"Spindle.Test:{port}", origin: $"http://spindle.test:{port}");
        using HttpResponseMessage other = await SendAsync(server, "GET", "/api/status", host: $"other.test:{port}");
        using HttpResponseMessage sub = await SendAsync(server, "GET", "/api/status", host: $"evil.spindle.test:{port}");

        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal(HttpStatusCode.OK, address.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, sub.StatusCode);
        Assert.DoesNotContain("spindle.test", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://evil.example:{port}")]
    [InlineData("http://localhost:1")]
    [InlineData("null")]
    public async Task CrossOriginPost_ToAServedHost_StillRefused403(string origin)
    {
        int[] workers = await Server.WorkerPidsAsync();
        using HttpResponseMessage response = await SendAsync(
            "POST", TestServer.KillPath(workers[0]), host: $"localhost:{Port}", origin: origin.Replace("{port}", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using Process worker = Process.GetProcessById(workers[0]);
        Assert.False(worker.HasExited, "A cross-origin post killed a worker.");
    }

    [Theory]
    [InlineData("evil.example:80")]
    [InlineData("http://evil.example")]
    [InlineData("*.example")]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("trailing.dot.")]
    public void AllowedHosts_NotAHostName_ThrowsNamingTheOption(string name)
    {
        var refused = Assert.Throws<ArgumentException>(() => new ServeOptions { AllowedHosts = [name] });
        Assert.Equal(nameof(ServeOptions.AllowedHosts), refused.ParamName);
    }

    private Task<HttpResponseMessage> SendAsync(string method, string path, string host, string? origin = null) =>
        SendAsync(Server, method, path, host, origin);

    private static async Task<HttpResponseMessage> SendAsync(TestServer server, string method, string path, string host, string? origin = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Host = host;
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (path == "/api/jobs" && method == "POST")
        {
            request.Content = JsonContent.Create(new { frames = 1, width = 8, height = 8 });
        }
        else if (path == "/jobs")
        {
            request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["frames"] = "1", ["width"] = "8", ["height"] = "8" });
        }

        // Headers only: a stream that was wrongly served would otherwise never end.
        return await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).Within($"{method} {path} with Host {host}");
    }

    private async Task<int> JobCountAsync() => (await Server.GetJsonAsync("/api/jobs")).GetArrayLength();
}

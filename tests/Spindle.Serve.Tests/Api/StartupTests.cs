using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Spindle.Serve.Jobs;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Api;

public sealed class StartupTests
{
    [Fact]
    public async Task Start_PortInUse_PortInUseExceptionNamingTheOption()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        PortInUseException e = await Assert.ThrowsAsync<PortInUseException>(() => SpindleServer.StartAsync(new ServeOptions { Port = port, Workers = 1 }).Within("the start to fail"));

        Assert.Equal(port, e.Port);
        Assert.Contains("--port", e.Message, StringComparison.Ordinal);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PortZero_ListensOnLoopbackWithARealPort()
    {
        await using TestServer server = await TestServer.StartAsync();

        Assert.Equal("127.0.0.1", server.Server.Address.Host);
        Assert.NotEqual(0, server.Server.Address.Port);
        await server.GetJsonAsync("/api/status");
    }

    [Fact]
    public void Options_OutOfRange_ThrowNamingTheOption()
    {
        Assert.Equal("Port", Assert.Throws<ArgumentOutOfRangeException>(() => new ServeOptions { Port = 70000 }).ParamName);
        Assert.Equal("Workers", Assert.Throws<ArgumentOutOfRangeException>(() => new ServeOptions { Workers = 0 }).ParamName);
        Assert.Equal("Host", Assert.Throws<ArgumentException>(() => new ServeOptions { Host = "example.org" }).ParamName);
        Assert.Equal("127.0.0.1", new ServeOptions().Host);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("127.1")]
    [InlineData("10.1.2")]
    public void Host_ShorthandIPv4Forms_AreRefusedRatherThanReadAsAnotherAddress(string host)
    {
        // IPAddress.TryParse reads "0" as 0.0.0.0: a typo would open the server to every interface.
        Assert.Equal("Host", Assert.Throws<ArgumentException>(() => new ServeOptions { Host = host }).ParamName);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("localhost")]
    public void Host_FullAddressesAndLocalhost_AreTaken(string host) => Assert.Equal(host, new ServeOptions { Host = host }.Host);

    [Fact]
    public void Workers_Default_IsOnePerCoreUpToTheMost() =>
        Assert.Equal(Math.Min(Environment.ProcessorCount, ServeOptions.MaxWorkers), new ServeOptions().Workers);

    [Fact]
    public async Task Result_BeforeTheJobIsDone_409_ThenTheFile()
    {
        var renderer = new GatedRenderer(workers: 1);
        await using TestServer server = await TestServer.StartAsync(renderer);
        string id = await server.SubmitAsync(new { frames = 2, width = 8, height = 8 });

        using (HttpResponseMessage early = await server.Client.GetAsync($"/api/jobs/{id}/result").Within("the early result"))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
            Assert.Contains("not done", (await early.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }

        renderer.Open();
        await server.WaitForJobAsync(id);
        using HttpResponseMessage done = await server.Client.GetAsync($"/api/jobs/{id}/result").Within("the result");
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
    }

    [Fact]
    public async Task Submit_QueueFull_503_ServerKeepsServing()
    {
        var renderer = new GatedRenderer(workers: 1);
        var options = new ServeOptions { Port = 0, Workers = 1, MaxQueuedJobs = 2 };
        await using SpindleServer server = await SpindleServer.StartAsync(options, renderer, CancellationToken.None).Within("the server to start");
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = Bounded.Unexpected };

        // The first job is taken off the queue by the (held) farm; two more fill the queue; the next is refused.
        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < 4; i++)
        {
            using var content = new StringContent("{\"frames\":1,\"width\":8,\"height\":8}", System.Text.Encoding.UTF8, "application/json");
            using HttpResponseMessage response = await client.PostAsync("/api/jobs", content).Within("POST /api/jobs");
            codes.Add(response.StatusCode);
            if (i == 0)
            {
                await Poll.UntilAsync(async () => (await client.GetJsonAsync("/api/jobs/1")).GetProperty("state").GetString() == "running", "job 1 to start");
            }
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable], codes);
        renderer.Open();
        using HttpResponseMessage status = await client.GetAsync("/api/status").Within("GET /api/status");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }
}

internal static class JsonClientExtensions
{
    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path) =>
        await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonElement>(client, path).Within($"GET {path}");
}

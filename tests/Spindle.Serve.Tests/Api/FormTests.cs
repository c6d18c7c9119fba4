using System.Net;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Api;

/// <summary>The HTML side works without JavaScript: a plain form POST, a redirect, a job page.</summary>
public sealed class FormTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Dashboard_ServesItsPageAndEmbeddedAssets()
    {
        string page = await Server.Client.GetStringAsync("/").Within("GET /");
        Assert.Contains("<form method=\"post\" action=\"/jobs\"", page, StringComparison.Ordinal);
        Assert.Contains("<option value=\"mandelbrot\">", page, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", page, StringComparison.Ordinal);

        foreach ((string asset, string type) in new[] { ("app.css", "text/css"), ("dashboard.js", "text/javascript"), ("job.js", "text/javascript") })
        {
            using HttpResponseMessage response = await Server.Client.GetAsync($"/assets/{asset}").Within(asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        }

        using HttpResponseMessage missing = await Server.Client.GetAsync("/assets/nope.js").Within("a missing asset");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task FormPost_RedirectsToTheJobPage_WhichEndsWithADownloadLink()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = Server.Server.Address, Timeout = Bounded.Unexpected };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["frames"] = "2", ["width"] = "16", ["height"] = "12", ["scene"] = "spheres", ["crashFrame"] = "",
        });

        using HttpResponseMessage response = await client.PostAsync("/jobs", form).Within("POST /jobs");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        string location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/jobs/", location, StringComparison.Ordinal);
        string id = location["/jobs/".Length..];
        await Server.WaitForJobAsync(id);
        string page = await client.GetStringAsync(location).Within("the job page");
        Assert.Contains($"href=\"/api/jobs/{id}/result\"", page, StringComparison.Ordinal);
        Assert.Contains("data-state=\"done\"", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frames=abc", "frames")]
    [InlineData("frames=2&width=3", "width")]
    [InlineData("frames=2&crashFrame=-1", "crashFrame")]
    [InlineData("frames=2&color=red", "color")]
    public async Task FormPost_BadField_400PageNamingTheField(string body, string field)
    {
        using var form = new StringContent(body, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using HttpResponseMessage response = await Server.Client.PostAsync("/jobs", form).Within("POST /jobs");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string page = await response.Content.ReadAsStringAsync();
        Assert.Contains(field, page, StringComparison.Ordinal);
        await Server.GetJsonAsync("/api/status");
    }

    [Fact]
    public async Task JobPage_UnknownJob_404Page()
    {
        using HttpResponseMessage response = await Server.Client.GetAsync("/jobs/99999").Within("GET /jobs/99999");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("There is no job", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

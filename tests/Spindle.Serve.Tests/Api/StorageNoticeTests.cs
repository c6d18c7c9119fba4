using System.Text.Json;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Api;

/// <summary>Without a cluster, jobs live in the server's memory, and the dashboard and the API say so.</summary>
public sealed class StorageNoticeTests
{
    [Fact]
    public async Task Serve_WithoutCluster_SaysJobsAreKeptInMemoryAndLostOnRestart()
    {
        await using TestServer server = await TestServer.StartAsync();

        string page = await server.Client.GetStringAsync("/").Within("the dashboard");
        Assert.Contains("Jobs are kept in memory and lost on restart", page, StringComparison.Ordinal);
        Assert.Contains("class=\"notice memory\"", page, StringComparison.Ordinal);

        JsonElement storage = (await server.GetJsonAsync("/api/status")).GetProperty("storage");
        Assert.False(storage.GetProperty("durable").GetBoolean());
        Assert.Contains("lost on restart", storage.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, storage.GetProperty("error").ValueKind);
        Assert.Equal("Jobs are kept in memory and lost on restart (start spindle serve with --cluster to keep them in JetStream).", server.Server.JobStorage);
    }
}

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Spindle.Bench.Http;

/// <summary>
/// The baseline: Kestrel built the same way as spindle serve (empty builder, routing core, loopback), with endpoints
/// that return a constant — what HTTP on this machine costs before Spindle does anything.
/// </summary>
internal static class BaselineServer
{
    public const string ChildCommand = "baseline-server";

    private static readonly byte[] StatusBody = """{"workers":[],"queue":{"calls":0,"jobs":0}}"""u8.ToArray();
    private static readonly byte[] JobBody = """{"id":"1","state":"queued"}"""u8.ToArray();

    /// <summary>Runs in the child process: listens, prints its address, serves until stdin closes.</summary>
    public static async Task<int> RunAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.MapGet("/pools/api/status", () => Results.Bytes(StatusBody, "application/json"));
        app.MapPost("/api/jobs", async (HttpRequest request) =>
        {
            // Read the body as the real endpoint does, then answer a constant.
            await request.Body.CopyToAsync(Stream.Null);
            request.HttpContext.Response.StatusCode = StatusCodes.Status201Created;
            return Results.Bytes(JobBody, "application/json");
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine($"listening on {address} ");
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }
}

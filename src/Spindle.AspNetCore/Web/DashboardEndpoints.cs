using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spindle.AspNetCore.Access;
using Spindle.AspNetCore.Live;
using Spindle.AspNetCore.Status;

namespace Spindle.AspNetCore.Web;

/// <summary>
/// The dashboard's endpoints, relative to where it is mounted: the page, its assets, the JSON status, the event stream
/// and (unless read-only) killing a worker process, or draining or killing a cluster pool's agent. Every one of them is behind the <see cref="DashboardGate"/>.
/// </summary>
internal static class DashboardEndpoints
{
    public static void Map(IEndpointRouteBuilder group, DashboardGate gate, PoolMonitor monitor, SnapshotFeed feed, SpindleDashboardOptions options, CancellationToken appStopping)
    {
        string template = EmbeddedAssets.Dashboard.Text("dashboard.html");
        string title = HtmlEncoder.Default.Encode(options.Title);
        string readOnly = options.ReadOnly ? "true" : "false";

        group.MapGet("/", gate.Guard(context => Html(context, HtmlTemplate.Fill(template, new Dictionary<string, string>
        {
            ["root"] = HtmlEncoder.Default.Encode(Root(context.Request)),
            ["title"] = title,
            ["readOnly"] = readOnly,
        }))));
        group.MapGet("/assets/{name}", gate.Guard(context => Asset(context, EmbeddedAssets.Dashboard)));
        group.MapGet("/api/status", gate.Guard(context => Results.Json(monitor.Snapshot(), DashboardJson.Options).ExecuteAsync(context)));
        group.MapGet("/api/events", gate.Guard(context => EventStream.StreamAsync(context, monitor.SnapshotJson, feed, appStopping)));
        if (!options.ReadOnly)
        {
            group.MapPost("/api/pools/{pool}/workers/{id}/kill", gate.Guard(context => Kill(context, monitor)));
            group.MapPost("/api/pools/{pool}/agents/{agent}/drain", gate.Guard(context => AgentEndpoints.Drain(context, monitor)));
            group.MapPost("/api/pools/{pool}/agents/{agent}/kill", gate.Guard(context => AgentEndpoints.Kill(context, monitor)));
        }
    }

    /// <summary>Serves an embedded file by the <c>{name}</c> of the route, or 404.</summary>
    public static Task Asset(HttpContext context, EmbeddedAssets assets)
    {
        string name = context.GetRouteValue("name") as string ?? "";
        return assets.Find(name) is { } bytes
            ? Results.Bytes(bytes, EmbeddedAssets.ContentType(name)).ExecuteAsync(context)
            : Results.NotFound().ExecuteAsync(context);
    }

    /// <summary>
    /// The page's own path with a trailing slash, as the browser sent it: every URL on the page is built on it, so the
    /// dashboard works under any prefix and any <c>PathBase</c>, with or without the slash.
    /// </summary>
    private static string Root(HttpRequest request) => (request.PathBase + request.Path).ToUriComponent().TrimEnd('/') + "/";

    private static Task Html(HttpContext context, string html)
    {
        context.Response.Headers.CacheControl = "no-cache";
        return Results.Content(html, "text/html; charset=utf-8").ExecuteAsync(context);
    }

    private static Task Kill(HttpContext context, PoolMonitor monitor)
    {
        string key = PoolKeySegment.Read(context);
        string idText = context.GetRouteValue("id") as string ?? "";
        if (monitor.FindWatch(key) is not { } watch)
        {
            return ApiError.Result(StatusCodes.Status404NotFound, $"No pool '{key}' is shown here; api/status lists them.").ExecuteAsync(context);
        }

        WorkerPool pool = watch.Pool;
        if (pool.RunsOnCluster())
        {
            // Its workers' ids are slot numbers, not pids of this machine: killing "pid 1" would be a disaster.
            return ApiError.Result(StatusCodes.Status404NotFound, $"Pool '{key}' runs on a cluster: its calls run in the agents' worker processes. Drain or kill an agent (api/pools/{key}/agents/NAME/drain or kill).").ExecuteAsync(context);
        }

        // Through the pool, not the OS: the pool stops handing the worker calls before it is signalled, so a call made
        // the next instant goes to another worker instead of failing with the one being killed.
        if (!int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || !pool.KillWorker(pid))
        {
            return ApiError.Result(StatusCodes.Status404NotFound, $"'{idText}' is not the pid of a worker process of pool '{key}'; api/status lists them (threads cannot be killed).").ExecuteAsync(context);
        }

        return Results.Json(new { pool = key, pid, killed = true }, DashboardJson.Options, statusCode: StatusCodes.Status202Accepted).ExecuteAsync(context);
    }
}

using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spindle.Serve.Status;

namespace Spindle.Serve.Web;

/// <summary><c>GET /api/events</c>: server-sent events, one <c>status</c> event per published snapshot (about twice a second).</summary>
internal static class EventStream
{
    private static readonly byte[] EventPrefix = Encoding.UTF8.GetBytes("event: status\ndata: ");
    private static readonly byte[] EventEnd = Encoding.UTF8.GetBytes("\n\n");

    public static void Map(IEndpointRouteBuilder app, StatusMonitor status, CancellationToken serverStopping) =>
        app.MapGet("/api/events", (HttpContext context) => StreamAsync(context, status, serverStopping));

    private static async Task StreamAsync(HttpContext context, StatusMonitor status, CancellationToken serverStopping)
    {
        HttpResponse response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        // A stream ends when the client goes away or the server stops, so shutdown never waits on an open dashboard.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, serverStopping);
        try
        {
            // The first event goes out at once, so a page never starts blank.
            await WriteAsync(response, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(status.Snapshot(), ServeJson.Options), ended.Token).ConfigureAwait(false);
            while (true)
            {
                byte[] json = await status.NextAsync(ended.Token).ConfigureAwait(false);
                await WriteAsync(response, json, ended.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The client left or the server is stopping: the stream simply ends.
        }
    }

    private static async Task WriteAsync(HttpResponse response, byte[] json, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(EventPrefix, cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync(json, cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync(EventEnd, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}

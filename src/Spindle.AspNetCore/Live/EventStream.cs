using System.Text;
using Microsoft.AspNetCore.Http;

namespace Spindle.AspNetCore.Live;

/// <summary>Server-sent events: one <c>status</c> event now, then one per snapshot of a <see cref="SnapshotFeed"/> (about twice a second).</summary>
internal static class EventStream
{
    private static readonly byte[] EventPrefix = Encoding.UTF8.GetBytes("event: status\ndata: ");
    private static readonly byte[] EventEnd = Encoding.UTF8.GetBytes("\n\n");

    /// <summary>Streams until the client leaves, the server stops (<paramref name="serverStopping"/>) or the feed stops.</summary>
    /// <param name="context">The request.</param>
    /// <param name="now">The snapshot of this moment, sent first so a page never starts blank.</param>
    /// <param name="feed">Where the following snapshots come from.</param>
    /// <param name="serverStopping">Ends the stream, so shutdown never waits on an open page.</param>
    public static async Task StreamAsync(HttpContext context, Func<byte[]> now, SnapshotFeed feed, CancellationToken serverStopping)
    {
        HttpResponse response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, serverStopping);
        try
        {
            await WriteAsync(response, now(), ended.Token).ConfigureAwait(false);
            while (true)
            {
                byte[] json = await feed.NextAsync(ended.Token).ConfigureAwait(false);
                await WriteAsync(response, json, ended.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left, the server is stopping or the feed stopped with it: the stream simply ends.
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

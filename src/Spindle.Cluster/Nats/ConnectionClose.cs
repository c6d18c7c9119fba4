using NATS.Client.Core;

namespace Spindle.Cluster.Nats;

/// <summary>
/// Ending a pool's or an agent's NATS connection, or one of its subscriptions, without throwing at the one who ends it.
/// <para>
/// NATS.Net closes the socket first and unsubscribes after, and every unsubscribe first waits (its command timeout,
/// 5 s) for a write still held in the connection's buffer, then throws <see cref="NatsTimeoutException"/>. A write is
/// held when the server stops reading (hung, or a stalled link), and for a moment after any large publish (a build or
/// a large value on its way): a pool's <c>DisposeAsync</c> then threw that timeout, and skipped the rest of its end.
/// So what is written gets a bounded chance to reach the server first (the server answers a ping only after reading
/// what came before it), and what the close throws is handed back to be logged: the socket is closed either way.
/// </para>
/// </summary>
internal static class ConnectionClose
{
    /// <summary>How long a close waits for what was written before it to reach the server.</summary>
    private static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(2);

    /// <summary>Closes <paramref name="connection"/>.</summary>
    /// <returns>Why the close was not clean (nothing lost here: the socket is closed), or null.</returns>
    public static async Task<string?> CloseAsync(NatsConnection connection)
    {
        string? unclean = null;
        if (connection.ConnectionState == NatsConnectionState.Open)
        {
            using var bounded = new CancellationTokenSource(FlushWait);
            unclean = await QuietlyAsync(async ValueTask () => await connection.PingAsync(bounded.Token).ConfigureAwait(false)).ConfigureAwait(false) is { } notFlushed
                ? $"what it had written was not read by the server within {FlushWait.TotalSeconds:0} s ({notFlushed})"
                : null;
        }

        return await QuietlyAsync(connection.DisposeAsync).ConfigureAwait(false) ?? unclean;
    }

    /// <summary>Ends <paramref name="subscription"/> (its unsubscribe can time out as the class summary says).</summary>
    /// <returns>Why it did not end cleanly, or null.</returns>
    public static Task<string?> EndAsync(IAsyncDisposable subscription) => QuietlyAsync(subscription.DisposeAsync);

    private static async Task<string?> QuietlyAsync(Func<ValueTask> operation)
    {
        try
        {
            await operation().ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (IsClosingFailure(e))
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    private static bool IsClosingFailure(Exception e) =>
        e is NatsException or TimeoutException or OperationCanceledException or ObjectDisposedException or IOException or System.Net.Sockets.SocketException;
}

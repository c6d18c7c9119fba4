namespace Spindle.Bench.Ipc.Echo;

/// <summary>
/// One mechanism with an echo at the far end (another process or a thread). The same two operations are timed for
/// every mechanism: one round trip, and a burst of one-way messages acknowledged once at the end.
/// </summary>
internal interface IEcho : IAsyncDisposable
{
    /// <summary>Sends <paramref name="message"/> and waits for the same bytes to come back into <paramref name="reply"/>.</summary>
    void RoundTrip(byte[] message, byte[] reply);

    /// <summary>Sends <paramref name="count"/> copies of <paramref name="message"/> and waits for the far end to have received them all.</summary>
    void Burst(byte[] message, int count);
}

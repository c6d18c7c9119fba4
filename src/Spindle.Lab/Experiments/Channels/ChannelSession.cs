namespace Spindle.Lab.Experiments.Channels;

/// <summary>An open channel to an echoing peer: one round trip sends <c>length</c> bytes and gets them back.</summary>
internal abstract class ChannelSession(int maxMessageBytes) : IAsyncDisposable
{
    /// <summary>The largest message this channel carries here (a POSIX queue's is capped by the kernel).</summary>
    public int MaxMessageBytes => maxMessageBytes;

    /// <summary>Sends the first <paramref name="length"/> bytes of the payload and waits for the echo.</summary>
    public abstract ValueTask RoundTripAsync(int length);

    public abstract ValueTask DisposeAsync();
}

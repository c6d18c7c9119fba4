namespace Spindle.Lab.Experiments.Channels;

/// <summary>Waits for this side of a channel to open (or finish), unless the peer fails first: then unblocks this side and throws the peer's error.</summary>
internal static class PeerGuard
{
    public static async Task UntilOpenedAsync(Task opening, Task peer, Func<IDisposable?> unblock)
    {
        if (await Task.WhenAny(opening, peer) == opening || !peer.IsFaulted)
        {
            return;
        }

        // The peer failed while this side may still be blocked waiting for it.
        using (unblock())
        {
            try
            {
                await opening.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception)
            {
                // This side's own failure to open is a consequence; the peer's error below is the cause.
            }
        }

        await peer;
    }
}

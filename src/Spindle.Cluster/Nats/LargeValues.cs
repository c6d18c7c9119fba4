using NATS.Client.JetStream;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;

namespace Spindle.Cluster.Nats;

/// <summary>
/// Arguments and results too large for one NATS message (the server's <c>max_payload</c>) travel through the
/// cluster's values bucket (object store) instead: the message carries only the object's name in the
/// <see cref="ClusterHeaders.Value"/> header. Objects are named by call key (client.call.attempt) and direction, and
/// the client deletes both once the call is answered. The bucket's max age removes what a dead client or agent left.
/// </summary>
internal static class LargeValues
{
    /// <summary>How long an object may stay in the bucket: longer than any call waits in the stream, short enough that a crash leaves nothing for good.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    /// <summary>What the headers and protocol of a message may take besides its body: a body above max_payload minus this goes to the bucket.</summary>
    private const long HeaderAllowance = 4096;

    /// <summary>Whether <paramref name="bodyBytes"/> must go through the bucket on a server that accepts <paramref name="maxPayload"/> bytes per message.</summary>
    public static bool TooLargeForMessage(long bodyBytes, long? maxPayload) =>
        maxPayload is { } limit && bodyBytes > limit - HeaderAllowance;

    public static string ArgumentName(string callKey) => callKey + ".argument";

    public static string ResultName(string callKey) => callKey + ".result";

    /// <summary>The cluster's values bucket, created on first use.</summary>
    public static async Task<INatsObjStore> OpenAsync(INatsJSContext js, ClusterNames names, CancellationToken cancellationToken)
    {
        var objects = new NatsObjContext(js);
        return await objects.CreateObjectStoreAsync(new NatsObjConfig(names.ValuesBucket)
        {
            Storage = NatsObjStorageType.File,
            MaxAge = MaxAge,
            Description = $"Spindle cluster '{names.Cluster}': arguments and results above the server's max_payload",
        }, cancellationToken).ConfigureAwait(false);
    }

    public static async Task PutAsync(INatsObjStore store, string name, byte[] value, CancellationToken cancellationToken) =>
        await store.PutAsync(name, value, cancellationToken).ConfigureAwait(false);

    public static async Task<byte[]> GetAsync(INatsObjStore store, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await store.GetBytesAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsObjNotFoundException e)
        {
            throw new SpindleException($"The value '{name}' is no longer in the bucket '{store.Bucket}' (deleted, or older than {MaxAge.TotalHours:0} h).", e);
        }
    }

    /// <summary>Deletes an object if it is there; a failure only leaves it to the bucket's max age.</summary>
    public static async Task DeleteAsync(INatsObjStore store, string name, CancellationToken cancellationToken)
    {
        try
        {
            await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsObjNotFoundException or NatsObjException or NATS.Client.Core.NatsException)
        {
            // Already gone, or the server is away: the bucket's max age removes it.
        }
    }
}

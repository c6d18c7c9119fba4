using System.Globalization;
using NATS.Client.ObjectStore;
using Spindle.Render;

namespace Spindle.Serve.Jobs.Storage;

/// <summary>
/// One job's finished frames in the server's frames bucket, each under <c>&lt;job id&gt;.&lt;frame index&gt;</c> as it
/// finishes: a server killed mid-job renders only the frames it had not kept when it runs the job again. The job's
/// frames are deleted once its animation is kept.
/// </summary>
/// <remarks>
/// Frames are looked up by name, one by one, rather than listed: listing an object store whose objects were all
/// deleted hangs on the nats-server versions Debian ships.
/// </remarks>
internal sealed class JetStreamFrameStore(INatsObjStore frames, string jobId, int frameCount) : IRenderFrameStore
{
    public async Task<IReadOnlyDictionary<int, byte[]>> LoadAsync(CancellationToken cancellationToken)
    {
        var kept = new Dictionary<int, byte[]>();
        for (int index = 0; index < frameCount; index++)
        {
            try
            {
                kept[index] = await frames.GetBytesAsync(Name(jobId, index), cancellationToken).ConfigureAwait(false);
            }
            catch (NatsObjNotFoundException)
            {
                // Not kept: rendered.
            }
        }

        return kept;
    }

    public async Task SaveAsync(int index, byte[] compressed, CancellationToken cancellationToken) =>
        await frames.PutAsync(Name(jobId, index), compressed, cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes every frame kept for <paramref name="jobId"/> (a job of <paramref name="frameCount"/> frames).</summary>
    public static async Task DeleteAllAsync(INatsObjStore frames, string jobId, int frameCount, CancellationToken cancellationToken)
    {
        for (int index = 0; index < frameCount; index++)
        {
            try
            {
                await frames.DeleteAsync(Name(jobId, index), cancellationToken).ConfigureAwait(false);
            }
            catch (NatsObjNotFoundException)
            {
                // Never kept, or gone already.
            }
        }
    }

    private static string Name(string jobId, int index) => string.Create(CultureInfo.InvariantCulture, $"{jobId}.{index}");
}

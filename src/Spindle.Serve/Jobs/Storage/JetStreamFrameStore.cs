using System.Collections.Concurrent;
using System.Globalization;
using NATS.Client.Core;
using NATS.Client.ObjectStore;
using Spindle.Render;

namespace Spindle.Serve.Jobs.Storage;

/// <summary>
/// One job's finished frames in the server's frames bucket, each under <c>&lt;job id&gt;.&lt;frame index&gt;</c> as it
/// finishes: a server killed mid-job renders only the frames it had not kept when it runs the job again. The frames are
/// deleted once the job is over; the bucket's max age removes what a crash left.
/// </summary>
/// <remarks>
/// Frames are looked up by name, one by one, rather than listed (listing an object store whose objects were all
/// deleted hangs on the nats-server versions Debian ships), and only for a job that was running when its server
/// stopped: a new job has none. Only the frames this store loaded or saved are deleted.
/// </remarks>
internal sealed class JetStreamFrameStore(INatsObjStore frames, string jobId, int frameCount, bool mayHaveKept) : IJobFrames
{
    private readonly ConcurrentDictionary<int, bool> _kept = new();

    public async Task<IReadOnlyDictionary<int, byte[]>> LoadAsync(CancellationToken cancellationToken)
    {
        var kept = new Dictionary<int, byte[]>();
        for (int index = 0; mayHaveKept && index < frameCount; index++)
        {
            try
            {
                kept[index] = await frames.GetBytesAsync(Name(jobId, index), cancellationToken).ConfigureAwait(false);
                _kept[index] = true;
            }
            catch (Exception e) when (e is NatsObjException or NatsException)
            {
                // Not kept (NatsObjNotFoundException), or unreadable (a digest that does not match, the server away):
                // rendered again.
            }
        }

        return kept;
    }

    public async Task SaveAsync(int index, byte[] compressed, CancellationToken cancellationToken)
    {
        _kept[index] = true;
        await frames.PutAsync(Name(jobId, index), compressed, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        foreach (int index in _kept.Keys)
        {
            try
            {
                await frames.DeleteAsync(Name(jobId, index), cancellationToken).ConfigureAwait(false);
            }
            catch (NatsObjNotFoundException)
            {
                // Its save never finished, or gone already.
            }

            _kept.TryRemove(index, out _);
        }
    }

    private static string Name(string jobId, int index) => string.Create(CultureInfo.InvariantCulture, $"{jobId}.{index}");
}

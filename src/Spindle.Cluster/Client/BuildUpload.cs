using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;
using Spindle.Cluster.Builds;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Client;

/// <summary>
/// Code shipping, the client's half: this app's build goes to the cluster's builds bucket under its content hash,
/// unless a client uploaded the same build before. Calls carry the hash; agents fetch the build on first use.
/// </summary>
internal static class BuildUpload
{
    /// <summary>The uploads of this process, one gate per bucket and build.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> Uploading = new(StringComparer.Ordinal);

    /// <summary>
    /// Uploads this app's build if the bucket does not have it yet; returns its hash. A connection that breaks under
    /// the upload (a server restart, a network cut) does not fail it: it starts again once the connection is back, as
    /// the calls waiting for it would be sent then (their timeouts bound the wait). Anything else (a refusal, no room)
    /// fails it, and with it the calls, naming why.
    /// </summary>
    public static async Task<string> UploadAsync(INatsJSContext js, ClusterNames names, string? directory, ILogger logger, CancellationToken cancellationToken)
    {
        AppBuild build = await Task.Run(() => AppBuild.OfThisApp(directory), cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);

        // One upload of a build at a time in this process: two pools putting the same object at once leave it with
        // its chunks purged by the other put (NATS object store), and an agent fetching it then waits for ever. The
        // second finds it uploaded and puts nothing.
        SemaphoreSlim gate = Uploading.GetOrAdd(names.BuildsBucket + "/" + build.Hash, _ => new SemaphoreSlim(1, 1));
        while (true)
        {
            try
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return await UploadOnceAsync(js, names, build, logger, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested
                && (e is NatsNoRespondersException or NatsNoReplyException or TimeoutException or NatsJSApiNoResponseException
                    || (e is NatsException or OperationCanceledException && js.Connection.ConnectionState != NatsConnectionState.Open)))
            {
                logger.LogWarning("The upload of build {Hash} broke off ({Reason}); starting it again once the connection is back", build.Hash, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<string> UploadOnceAsync(INatsJSContext js, ClusterNames names, AppBuild build, ILogger logger, CancellationToken cancellationToken)
    {
        INatsObjStore store = await OpenAsync(js, names, cancellationToken).ConfigureAwait(false);
        try
        {
            await store.GetInfoAsync(build.Hash, cancellationToken: cancellationToken).ConfigureAwait(false);
            return build.Hash;
        }
        catch (NatsObjNotFoundException)
        {
            // Not there yet: this client is the first with this build.
        }

        // A name of its own: pools of one process may upload the same build at once (the bucket keeps one).
        string archive = Path.Combine(Path.GetTempPath(), $"spindle-build-{build.Hash[..16]}-{Guid.NewGuid():N}.zip");
        try
        {
            using (FileStream file = File.Create(archive))
            {
                build.WriteArchive(file);
            }

            // Looked for again after the archive is written (which takes a while): a put that replaces an object
            // purges its chunks, and an agent fetching it at that moment would wait for ever. Another process may
            // have uploaded the build meanwhile; only a put into the moment between this look and the put itself
            // is left unguarded (the agent's fetch is bounded for that).
            try
            {
                await store.GetInfoAsync(build.Hash, cancellationToken: cancellationToken).ConfigureAwait(false);
                return build.Hash;
            }
            catch (NatsObjNotFoundException)
            {
                // Still not there: this client uploads it.
            }

            FileStream upload = File.OpenRead(archive);
            await using (upload.ConfigureAwait(false))
            {
                await store.PutAsync(new ObjectMetadata { Name = build.Hash, Description = $"Spindle build of {build.RuntimeConfig}" }, upload, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            logger.LogInformation("Uploaded build {Hash} ({Files} files from {Directory}) to bucket {Bucket}", build.Hash, build.Files.Count, build.Directory, names.BuildsBucket);
            return build.Hash;
        }
        finally
        {
            File.Delete(archive);
        }
    }

    /// <summary>The cluster's builds bucket, created on first use.</summary>
    public static async Task<INatsObjStore> OpenAsync(INatsJSContext js, ClusterNames names, CancellationToken cancellationToken)
    {
        var objects = new NatsObjContext(js);
        return await objects.CreateObjectStoreAsync(new NatsObjConfig(names.BuildsBucket) { Storage = NatsObjStorageType.File }, cancellationToken).ConfigureAwait(false);
    }
}

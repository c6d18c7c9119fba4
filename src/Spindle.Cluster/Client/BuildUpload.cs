using Microsoft.Extensions.Logging;
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
    /// <summary>Uploads this app's build if the bucket does not have it yet; returns its hash.</summary>
    public static async Task<string> UploadAsync(INatsJSContext js, ClusterNames names, string? directory, ILogger logger, CancellationToken cancellationToken)
    {
        AppBuild build = await Task.Run(() => AppBuild.OfThisApp(directory), cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
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

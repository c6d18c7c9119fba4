using System.Collections.Concurrent;
using NATS.Client.ObjectStore;
using Spindle.Cluster.Builds;
using Spindle.Processes;

namespace Spindle.Cluster.Agent;

/// <summary>
/// Code shipping, the agent's half: the first call of a build fetches it from the builds bucket into
/// <c>cache/hash/</c> (unpacked beside it, then moved in place, so a half-written build is never used); later calls
/// and later runs of the agent find it there.
/// </summary>
internal sealed class BuildCache(INatsObjStore store, string directory)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _fetches = new(StringComparer.Ordinal);

    /// <summary>How long fetching one build may take before the call that needs it fails.</summary>
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Makes sure the agent can keep builds in <paramref name="directory"/> (creating it), before it registers: an
    /// agent that could not would take calls and fail every one of them.
    /// </summary>
    public static void CheckDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SpindleException($"The agent cannot keep the builds it fetches in '{directory}' (--cache): {e.Message}", e);
        }
    }

    /// <summary>The directory holding build <paramref name="hash"/>, fetched if this agent has not seen it.</summary>
    public Task<string> GetAsync(string hash, CancellationToken cancellationToken)
    {
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new InvalidDataException($"'{hash}' is not a build hash.");
        }

        Lazy<Task<string>> fetch = _fetches.GetOrAdd(hash, h => new Lazy<Task<string>>(() => FetchAsync(h, cancellationToken)));
        if (fetch.Value.IsFaulted || fetch.Value.IsCanceled)
        {
            // A failed fetch is not remembered: the next call tries again.
            _fetches.TryRemove(new KeyValuePair<string, Lazy<Task<string>>>(hash, fetch));
        }

        return fetch.Value;
    }

    private async Task<string> FetchAsync(string hash, CancellationToken cancellationToken)
    {
        string target = Path.Combine(directory, hash);
        if (File.Exists(Path.Combine(target, AppBuild.ManifestName)))
        {
            return target;
        }

        string partial = $"{target}.partial-{Environment.ProcessId}";
        string archive = partial + ".zip";
        try
        {
            Directory.CreateDirectory(directory);
            FileStream file = File.Create(archive);
            await using (file.ConfigureAwait(false))
            {
                // Bounded: an object whose chunks are gone (two uploads of it at once from different processes) makes the
                // object store's get wait for ever; the call then fails, naming the build, instead of hanging.
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bounded.CancelAfter(FetchTimeout);
                try
                {
                    await store.GetAsync(hash, file, leaveOpen: true, cancellationToken: bounded.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new SpindleException($"Fetching build {hash} from the builds bucket took longer than {FetchTimeout.TotalMinutes:0} minutes: " +
                        "its object may be damaged (uploaded twice at once from two processes). Delete it from the bucket; the next pool uploads it again.");
                }

                file.Position = 0;
                AppBuild.Extract(file, partial, serializerType: null);
            }

            try
            {
                Directory.Move(partial, target);
            }
            catch (IOException) when (File.Exists(Path.Combine(target, AppBuild.ManifestName)))
            {
                // Another agent sharing this cache unpacked the same build first.
                Directory.Delete(partial, recursive: true);
            }

            return target;
        }
        catch (NatsObjNotFoundException e)
        {
            throw new InvalidOperationException($"Build {hash} is not in the cluster's builds bucket: was it uploaded to another cluster?", e);
        }
        finally
        {
            File.Delete(archive);
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }
        }
    }

    /// <summary>How to start workers from a fetched build, with the caller's serializer.</summary>
    public static WorkerApp Open(string buildDirectory, string? serializerType) => AppBuild.Open(buildDirectory, serializerType);
}

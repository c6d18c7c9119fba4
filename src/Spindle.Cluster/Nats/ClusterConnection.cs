using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Spindle.Cluster.Nats;

/// <summary>
/// Connecting to the cluster's NATS server, for a pool or an agent, and making sure the work-queue stream exists.
/// A failure says which server and which option to look at: the address, the credentials, or the TLS files
/// (<see cref="ClusterCredentials"/> holds them, with what the user calls each).
/// </summary>
internal static class ClusterConnection
{
    /// <summary>How long calls stay in the stream's de-duplication window: a resent call within it is stored once.</summary>
    private static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(2);

    /// <summary>JetStream's error for an account it is not enabled for, on a server that runs it.</summary>
    private const int JetStreamNotEnabledForAccount = 10039;

    /// <summary>The longest a client or agent waits between attempts to reconnect to a server that went away.</summary>
    public static readonly TimeSpan ReconnectWaitMax = TimeSpan.FromSeconds(2);

    /// <summary>The least a request to the server waits for its answer (NATS.Net's default).</summary>
    public static readonly TimeSpan MinRequestTimeout = TimeSpan.FromSeconds(5);

    public static async Task<NatsConnection> ConnectAsync(string server, ClusterCredentials credentials, string connectionName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        NatsOpts options = credentials.ApplyTo(NatsOpts.Default) with
        {
            Url = server,
            Name = connectionName,
            ConnectTimeout = timeout,

            // Requests once connected (a stored call's ack, the registry, a claim) wait at least NATS's default: a
            // short ConnectTimeout, to fail fast on a wrong address, must not make a busy server's answers "lost".
            RequestTimeout = timeout > MinRequestTimeout ? timeout : MinRequestTimeout,

            // Back soon after a server restart: agents and clients reconnect within ReconnectWaitMax of each other.
            ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
            ReconnectWaitMax = ReconnectWaitMax,
        };
        var connection = new NatsConnection(options);
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(timeout);
            await connection.ConnectAsync().AsTask().WaitAsync(bounded.Token).ConfigureAwait(false);
            if (connection.ServerInfo is { JetStreamAvailable: false })
            {
                // Every cluster pool and agent keeps its calls in a JetStream stream; without it the first request
                // would fail as an unexplained "no responders".
                await ConnectionClose.CloseAsync(connection).ConfigureAwait(false);
                throw new SpindleException($"The NATS server at '{ServerAddress.Redacted(server)}' ({credentials.Names.Server}) does not run JetStream, which a Spindle cluster keeps its calls in: " +
                    "start it with -js (nats-server -js), or enable jetstream in its configuration.");
            }

            return connection;
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            await ConnectionClose.CloseAsync(connection).ConfigureAwait(false);
            throw Explain(server, credentials, timeout, e);
        }
    }

    /// <summary>
    /// Creates the cluster's work-queue stream, or checks the one there is. A stream already set up this way is left
    /// alone, so a user who may look at the stream and create it but not change it (an agent, in the sample server
    /// configuration of docs/cluster.md) can start too: an agent able to change the stream's subjects could route its
    /// own messages into other agents' calls.
    /// </summary>
    /// <returns>When the stream was created, so a client can tell a stream created anew later (ClusterClient.Resending.cs).</returns>
    public static async Task<DateTimeOffset> EnsureStreamAsync(INatsJSContext js, ClusterNames names, CancellationToken cancellationToken)
    {
        var config = new StreamConfig(names.Stream, [names.CallSubjects])
        {
            Retention = StreamConfigRetention.Workqueue,
            Storage = StreamConfigStorage.File,
            DuplicateWindow = DuplicateWindow,
            Description = $"Spindle cluster '{names.Cluster}': calls waiting for an agent",
        };
        StreamInfo? current;
        try
        {
            current = await TryGetStreamAsync(js, names, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsNoRespondersException || e is NatsJSApiException { Error.ErrCode: JetStreamNotEnabledForAccount })
        {
            // The server runs JetStream (ConnectAsync checks), but not for this user's account: the server says so
            // (an account of a configuration file without jetstream), or nothing answers $JS.API there.
            throw new SpindleException($"JetStream did not answer for this connection's account ({e.Message}) while looking for the calls stream " +
                $"{names.Stream}: enable jetstream for the account the credentials sign in to.", e);
        }

        if (current is null)
        {
            try
            {
                return (await js.CreateStreamAsync(config, cancellationToken).ConfigureAwait(false)).Info.Created;
            }
            catch (NatsJSApiException e) when (e.Error.ErrCode is StreamSubjectsOverlap or StreamNameInUse)
            {
                // Another pool or agent created it in between (pools made at once on a new cluster): the server then
                // refuses this create, as "subjects overlap with an existing stream". The stream there is checked as
                // one found at first would be.
                StreamInfo? there = await TryGetStreamAsync(js, names, cancellationToken).ConfigureAwait(false);
                if (there is null)
                {
                    throw;
                }

                current = there;
            }
        }

        StreamConfig existing = current.Config;
        if (existing.Subjects is not { Count: 1 } subjects || subjects.First() != names.CallSubjects || existing.Retention != config.Retention
            || existing.Storage != config.Storage || existing.DuplicateWindow != config.DuplicateWindow)
        {
            return (await js.CreateOrUpdateStreamAsync(config, cancellationToken).ConfigureAwait(false)).Info.Created;
        }

        return current.Created;
    }

    /// <summary>JetStream's error codes for a stream create that met a stream already there.</summary>
    private const int StreamSubjectsOverlap = 10065, StreamNameInUse = 10058;

    /// <summary>The calls stream's info, or null when there is none.</summary>
    private static async Task<StreamInfo?> TryGetStreamAsync(INatsJSContext js, ClusterNames names, CancellationToken cancellationToken)
    {
        try
        {
            return (await js.GetStreamAsync(names.Stream, cancellationToken: cancellationToken).ConfigureAwait(false)).Info;
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Makes sure the server lets this pool publish calls: a user denied that is told so when the pool is created,
    /// naming the subject and the credentials, instead of each call waiting for an acknowledgement that never comes.
    /// The probe is a publish the stream refuses (it expects another stream), so nothing is stored.
    /// </summary>
    public static async Task CheckMayPublishCallsAsync(NatsConnection nats, ClusterNames names, string server, ClusterCredentials credentials, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var denied = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask OnServerError(object? sender, NatsServerErrorEventArgs e)
        {
            if (e.Error.Contains("Permissions Violation", StringComparison.OrdinalIgnoreCase) && e.Error.Contains(names.Calls, StringComparison.Ordinal))
            {
                denied.TrySetResult(e.Error);
            }

            return ValueTask.CompletedTask;
        }

        nats.ServerError += OnServerError;
        try
        {
            var headers = new NatsHeaders { ["Nats-Expected-Stream"] = "SPINDLE_PERMISSION_PROBE" };
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(timeout);
            Task answered = nats.RequestAsync<byte[], byte[]>(names.Calls, [], headers, cancellationToken: bounded.Token).AsTask();
            Task first = await Task.WhenAny(answered, denied.Task).ConfigureAwait(false);
            if (first == denied.Task)
            {
                throw new SpindleException(
                    $"The NATS server '{ServerAddress.Redacted(server)}' ({credentials.Names.Server}) does not let this pool publish calls to '{names.Calls}': {denied.Task.Result}. " +
                    $"Only users allowed to publish there can run code on the cluster's agents; connect as one ({credentials.DescribeSignIn()}), or allow it in the server's configuration.");
            }

            // Any answer, even the stream's refusal, means the publish went through the permissions.
            await answered.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested && !denied.Task.IsCompleted)
            {
                throw new SpindleException($"The NATS server '{ServerAddress.Redacted(server)}' ({credentials.Names.Server}) did not answer a test publish to '{names.Calls}' within {timeout.TotalSeconds:0.#} s.");
            }
        }
        finally
        {
            nats.ServerError -= OnServerError;
        }
    }

    private static SpindleException Explain(string server, ClusterCredentials credentials, TimeSpan timeout, Exception e)
    {
        string reason = Innermost(e);
        ClusterOptionNames names = credentials.Names;
        if (Mentions(reason, "authorization", "authentication violation", "credentials", "user authentication"))
        {
            return new SpindleException($"The NATS server '{ServerAddress.Redacted(server)}' ({names.Server}) refused the connection: {reason}. Check {credentials.DescribeSignIn()}.", e);
        }

        // The TLS handshake: the server's certificate is not trusted, or the server wants a client certificate. With
        // TLS 1.3 a server that refuses the client's certificate (or its absence) does so after the client is done, so
        // the client may see only its connection closed: over TLS, that counts as a failed handshake too.
        bool overTls = server.StartsWith("tls://", StringComparison.OrdinalIgnoreCase) || credentials.TlsCaFile is not null || credentials.TlsCertificateFile is not null;
        if (Mentions(reason, "certificate", "ssl", "tls", "handshake") || (overTls && Mentions(reason, "closed", "reset")))
        {
            string check = credentials.TlsCaFile is null
                ? $"{names.TlsCaFile} (the CA that signed the server's certificate, if the system does not trust it)"
                : $"{names.TlsCaFile} '{credentials.TlsCaFile}' (is it the CA that signed the server's certificate, for this host name?)";
            check += credentials.TlsCertificateFile is null
                ? $", and {names.TlsCertificateFile} with {names.TlsKeyFile} if the server verifies client certificates"
                : $", and {names.TlsCertificateFile} '{credentials.TlsCertificateFile}' (signed by a CA the server trusts?)";
            return new SpindleException($"TLS with the NATS server '{ServerAddress.Redacted(server)}' ({names.Server}) failed: {reason}. Check {check}.", e);
        }

        string what = e is OperationCanceledException or TimeoutException ? $"no answer within {timeout.TotalSeconds:0.#} s" : reason;
        return new SpindleException($"Could not connect to the NATS server '{ServerAddress.Redacted(server)}' ({names.Server}): {what}. Is nats-server running there with JetStream (-js)?", e);
    }

    private static bool Mentions(string reason, params string[] words) =>
        words.Any(word => reason.Contains(word, StringComparison.OrdinalIgnoreCase));

    private static string Innermost(Exception e)
    {
        var messages = new List<string>();
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            messages.Add(current.Message);
        }

        return string.Join(" → ", messages.Distinct(StringComparer.Ordinal));
    }
}

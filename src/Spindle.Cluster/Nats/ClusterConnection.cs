using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Spindle.Cluster.Nats;

/// <summary>
/// Connecting to the cluster's NATS server, for a pool or an agent, and making sure the work-queue stream exists.
/// A failure says which server and which option to look at: the address, or the credentials.
/// </summary>
internal static class ClusterConnection
{
    /// <summary>How long calls stay in the stream's de-duplication window: a resent call within it is stored once.</summary>
    private static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(2);

    /// <summary>The longest a client or agent waits between attempts to reconnect to a server that went away.</summary>
    public static readonly TimeSpan ReconnectWaitMax = TimeSpan.FromSeconds(2);

    /// <summary>The credentials, and the names of the options that set them (for errors): a pool's or the agent command's.</summary>
    public sealed record Credentials(string? User, string? Password, string? Token, string? CredentialsFile, string UserOption, string TokenOption, string CredentialsOption, string ServerOption);

    public static async Task<NatsConnection> ConnectAsync(string server, Credentials credentials, string connectionName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var options = NatsOpts.Default with
        {
            Url = server,
            Name = connectionName,
            ConnectTimeout = timeout,
            RequestTimeout = timeout,

            // Back soon after a server restart: agents and clients reconnect within ReconnectWaitMax of each other.
            ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
            ReconnectWaitMax = ReconnectWaitMax,
            AuthOpts = NatsAuthOpts.Default with
            {
                Username = credentials.User,
                Password = credentials.Password,
                Token = credentials.Token,
                CredsFile = credentials.CredentialsFile,
            },
        };
        var connection = new NatsConnection(options);
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(timeout);
            await connection.ConnectAsync().AsTask().WaitAsync(bounded.Token).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Explain(server, credentials, timeout, e);
        }
    }

    /// <summary>Creates the cluster's work-queue stream, or checks the one there is.</summary>
    public static async Task EnsureStreamAsync(INatsJSContext js, ClusterNames names, CancellationToken cancellationToken)
    {
        var config = new StreamConfig(names.Stream, [names.Calls])
        {
            Retention = StreamConfigRetention.Workqueue,
            Storage = StreamConfigStorage.File,
            DuplicateWindow = DuplicateWindow,
            Description = $"Spindle cluster '{names.Cluster}': calls waiting for an agent",
        };
        await js.CreateOrUpdateStreamAsync(config, cancellationToken).ConfigureAwait(false);
    }

    private static SpindleException Explain(string server, Credentials credentials, TimeSpan timeout, Exception e)
    {
        string reason = Innermost(e);
        bool refused = reason.Contains("authorization", StringComparison.OrdinalIgnoreCase)
            || reason.Contains("authentication", StringComparison.OrdinalIgnoreCase)
            || reason.Contains("credentials", StringComparison.OrdinalIgnoreCase);
        if (refused)
        {
            string which = credentials.User is not null ? $"{credentials.UserOption} and its password"
                : credentials.Token is not null ? credentials.TokenOption
                : credentials.CredentialsFile is not null ? credentials.CredentialsOption
                : $"no credentials were given ({credentials.UserOption}, {credentials.TokenOption} or {credentials.CredentialsOption})";
            return new SpindleException($"The NATS server '{server}' ({credentials.ServerOption}) refused the connection: {reason}. Check {which}.", e);
        }

        string what = e is OperationCanceledException or TimeoutException ? $"no answer within {timeout.TotalSeconds:0.#} s" : reason;
        return new SpindleException($"Could not connect to the NATS server '{server}' ({credentials.ServerOption}): {what}. Is nats-server running there with JetStream (-js)?", e);
    }

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

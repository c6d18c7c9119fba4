using Spindle.Cluster.Nats;

namespace Spindle.Cli.Cluster;

/// <summary>A cluster a command sends calls to: its NATS server, its name there, and the credentials to connect with.</summary>
/// <param name="Server">The NATS server, e.g. <c>nats://host:4222</c>.</param>
/// <param name="ClusterName">The cluster's name on that server.</param>
/// <param name="User">User name (with <paramref name="Password"/>), or null.</param>
/// <param name="Password">Password, or null.</param>
/// <param name="Token">Token, or null.</param>
/// <param name="CredentialsFile">A <c>.creds</c> file, or null.</param>
internal sealed record ClusterTarget(string Server, string ClusterName, string? User = null, string? Password = null, string? Token = null, string? CredentialsFile = null)
{
    /// <summary>The pool's view of the same target.</summary>
    public ClusterOptions ToOptions() => new()
    {
        Server = Server,
        ClusterName = ClusterName,
        User = User,
        Password = Password,
        Token = Token,
        CredentialsFile = CredentialsFile,
    };

    /// <summary>The same credentials, with the command-line options that set them, so a refusal names the option to fix.</summary>
    public ClusterConnection.Credentials Credentials() => new(User, Password, Token, CredentialsFile, "--user", "--token", "--creds", "--cluster");
}

namespace Spindle.Cluster.Nats;

/// <summary>
/// What the user calls each connection setting, so an error names the one to change where it was set: a pool's
/// <c>ClusterOptions.User</c>, or <c>spindle agent</c>'s (and the other commands') <c>--user</c>.
/// <see cref="SecretsKeptApart"/> says how to give a password or token where nobody else sees it (not in the server's
/// address, and for a command not on its command line, which every user of the machine can read).
/// </summary>
internal sealed record ClusterOptionNames(
    string Server,
    string User,
    string Password,
    string Token,
    string CredentialsFile,
    string NKeySeed,
    string NKeySeedFile,
    string TlsCaFile,
    string TlsCertificateFile,
    string TlsKeyFile,
    string AllowAnonymous,
    string SecretsKeptApart)
{
    /// <summary>The properties of <see cref="ClusterOptions"/>.</summary>
    public static ClusterOptionNames Library { get; } = new(
        "ClusterOptions.Server", "ClusterOptions.User", "ClusterOptions.Password", "ClusterOptions.Token", "ClusterOptions.CredentialsFile",
        "ClusterOptions.NKeySeed", "ClusterOptions.NKeySeedFile", "ClusterOptions.TlsCaFile", "ClusterOptions.TlsCertificateFile",
        "ClusterOptions.TlsKeyFile", "AllowAnonymous (agents only)",
        "ClusterOptions.User with ClusterOptions.Password, or ClusterOptions.Token");

    /// <summary>
    /// The command-line options of <c>spindle agent</c> and of the commands that take a cluster (a seed is only ever
    /// given there in a file, never on a command line every user of the machine can read).
    /// </summary>
    public static ClusterOptionNames CommandLine { get; } = new(
        "--server", "--user", "--password", "--token", "--creds", "--nkey", "--nkey", "--tls-ca", "--tls-cert", "--tls-key", "--allow-anonymous",
        "--user with --password-file or SPINDLE_NATS_PASSWORD, or --token-file or SPINDLE_NATS_TOKEN");
}

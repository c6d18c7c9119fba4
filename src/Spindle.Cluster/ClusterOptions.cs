using System.Text.RegularExpressions;
using Spindle.Cluster.Nats;

namespace Spindle;

/// <summary>
/// Where a cluster pool's calls go: the NATS server its agents pull from, the credentials and TLS settings, the cluster's name, and how
/// long an agent may stay silent before its calls count as crashed. Chosen with
/// <see cref="ClusterPoolOptions.UseCluster(WorkerPoolOptions, ClusterOptions)"/>; docs/cluster.md has the design.
/// </summary>
public sealed partial class ClusterOptions
{
    /// <summary>The longest <see cref="ConnectTimeout"/> or <see cref="AgentSilenceTimeout"/>: anything longer is surely a mistake.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private string? _server;
    private string _clusterName = "default";
    private TimeSpan _connectTimeout = TimeSpan.FromSeconds(5);
    private TimeSpan _agentSilenceTimeout = TimeSpan.FromSeconds(10);
    private string? _user;
    private string? _password;
    private string? _token;
    private string? _credentialsFile;
    private string? _nkeySeedFile;
    private string? _nkeySeed;
    private string? _tlsCaFile;
    private string? _tlsCertificateFile;
    private string? _tlsKeyFile;

    /// <summary>The NATS server, e.g. <c>nats://host:4222</c>. Required.</summary>
    public string? Server
    {
        get => _server;
        set => _server = CheckServer(value, nameof(Server), ClusterOptionNames.Library);
    }

    /// <summary>Names the streams, subjects and buckets this pool and its agents use, so clusters can share a server.</summary>
    /// <value>The default is <c>default</c>. Letters, digits, '-' and '_' only.</value>
    public string ClusterName
    {
        get => _clusterName;
        set => _clusterName = CheckName(value, nameof(ClusterName));
    }

    /// <summary>The user name to connect with (with <see cref="Password"/>); null for none. Empty or blank is refused.</summary>
    public string? User
    {
        get => _user;
        set => _user = ClusterCredentials.CheckText(value, nameof(User));
    }

    /// <summary>The password that goes with <see cref="User"/>. Empty or blank is refused.</summary>
    public string? Password
    {
        get => _password;
        set => _password = ClusterCredentials.CheckText(value, nameof(Password));
    }

    /// <summary>A token to connect with, instead of a user and password; null for none. Empty or blank is refused.</summary>
    public string? Token
    {
        get => _token;
        set => _token = ClusterCredentials.CheckText(value, nameof(Token));
    }

    /// <summary>A NATS credentials file (<c>.creds</c>: a user JWT and its nkey seed), instead of a user or token; null for none.</summary>
    public string? CredentialsFile
    {
        get => _credentialsFile;
        set => _credentialsFile = ClusterCredentials.CheckPath(value, nameof(CredentialsFile));
    }

    /// <summary>
    /// A file holding a user nkey seed (<c>SU…</c>, as <c>nk -gen user</c> writes it), whose public key is one of the
    /// server's <c>nkey</c> users: signs in without a password crossing the network, and without a <c>.creds</c> file
    /// (no operator or JWT needed). Instead of a user, token or credentials file; null for none.
    /// </summary>
    public string? NKeySeedFile
    {
        get => _nkeySeedFile;
        set => _nkeySeedFile = ClusterCredentials.CheckPath(value, nameof(NKeySeedFile));
    }

    /// <summary>A user nkey seed itself (<c>SU…</c>), for an app that reads it from a secret store; as <see cref="NKeySeedFile"/> otherwise.</summary>
    public string? NKeySeed
    {
        get => _nkeySeed;
        set => _nkeySeed = ClusterCredentials.CheckSeed(value, nameof(NKeySeed));
    }

    /// <summary>
    /// A PEM file with the certificate of the CA that signed the server's certificate, for a server whose certificate
    /// the system does not trust. Giving it requires TLS, as does a <c>tls://</c> <see cref="Server"/>; null for the
    /// system's trusted CAs.
    /// </summary>
    public string? TlsCaFile
    {
        get => _tlsCaFile;
        set => _tlsCaFile = ClusterCredentials.CheckPath(value, nameof(TlsCaFile));
    }

    /// <summary>
    /// A PEM client certificate for a server that verifies its clients (mutual TLS: <c>verify: true</c> in its
    /// <c>tls</c> block), with <see cref="TlsKeyFile"/>. Giving it requires TLS; null for none.
    /// </summary>
    public string? TlsCertificateFile
    {
        get => _tlsCertificateFile;
        set => _tlsCertificateFile = ClusterCredentials.CheckPath(value, nameof(TlsCertificateFile));
    }

    /// <summary>The unencrypted PEM private key of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile
    {
        get => _tlsKeyFile;
        set => _tlsKeyFile = ClusterCredentials.CheckPath(value, nameof(TlsKeyFile));
    }

    /// <summary>
    /// What errors call each connection setting: these properties' names, or a command's options when the command
    /// filled them in from its command line.
    /// </summary>
    internal ClusterOptionNames OptionNames { get; set; } = ClusterOptionNames.Library;

    /// <summary>
    /// How long creating the pool waits to connect to <see cref="Server"/> before it fails. Requests to the server once
    /// connected (the server's acknowledgement of a stored call, the agent registry) wait this long too, but never less
    /// than 5 seconds, so a short value fails fast on a wrong address without making a busy server's answers count as lost.
    /// </summary>
    /// <value>The default is 5 seconds; positive, and at most 1 day.</value>
    public TimeSpan ConnectTimeout
    {
        get => _connectTimeout;
        set => _connectTimeout = Wait(value, nameof(ConnectTimeout));
    }

    /// <summary>
    /// How long an agent running a call may send no sign of life (it sends one every quarter of this) before the call
    /// counts as crashed: its worker, or the agent, or the network to it is gone. The pool then retries it elsewhere
    /// (<see cref="WorkerPoolOptions.RetriesOnCrash"/>) or fails it with <see cref="WorkerCrashedException"/>.
    /// </summary>
    /// <value>The default is 10 seconds; positive, and at most 1 day.</value>
    public TimeSpan AgentSilenceTimeout
    {
        get => _agentSilenceTimeout;
        set => _agentSilenceTimeout = Wait(value, nameof(AgentSilenceTimeout));
    }

    /// <summary>
    /// The app's build output shipped to agents (its assemblies, <c>.deps.json</c>, <c>.runtimeconfig.json</c>); null
    /// for the directory of this app's runtimeconfig.
    /// </summary>
    public string? BuildDirectory { get; set; }

    /// <summary>Checks the options together, naming the one to fix.</summary>
    internal void Validate()
    {
        if (Server is null)
        {
            throw new ArgumentException("ClusterOptions.Server is required: the NATS server the agents pull from, e.g. nats://host:4222.", nameof(Server));
        }

        Credentials().Check();

        if (BuildDirectory is not null && !Directory.Exists(BuildDirectory))
        {
            throw new ArgumentException($"ClusterOptions.BuildDirectory '{BuildDirectory}' does not exist.", nameof(BuildDirectory));
        }
    }

    internal ClusterOptions Clone() => (ClusterOptions)MemberwiseClone();

    /// <summary>The sign-in and TLS settings, named for errors as <see cref="OptionNames"/> says.</summary>
    internal ClusterCredentials Credentials() => new()
    {
        User = User,
        Password = Password,
        Token = Token,
        CredentialsFile = CredentialsFile,
        NKeySeed = NKeySeed,
        NKeySeedFile = NKeySeedFile,
        TlsCaFile = TlsCaFile,
        TlsCertificateFile = TlsCertificateFile,
        TlsKeyFile = TlsKeyFile,
        Names = OptionNames,
    };

    /// <summary>
    /// Checks a server address: nats:// or tls:// with a host (and a port, or NATS's 4222), and no credentials in it. A
    /// password or token written into the address would be shown wherever the address is (messages, logs, a process
    /// list): it is refused, pointing to the settings that keep it apart. The error quotes the address redacted.
    /// </summary>
    internal static string? CheckServer(string? value, string name, ClusterOptionNames names)
    {
        if (value is null)
        {
            return null;
        }

        if (ServerAddress.HasCredentials(value))
        {
            throw new ArgumentException(
                $"{name} holds credentials ('{ServerAddress.Redacted(value)}'), which would show wherever the address is shown: " +
                $"write the address without them and sign in with {names.SecretsKeptApart}.", name);
        }

        return Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme is "nats" or "tls" && uri.Host.Length > 0
            ? value
            : throw new ArgumentException($"{name} must be a NATS server address such as nats://host:4222; got '{ServerAddress.Redacted(value)}'.", name);
    }

    /// <summary>Checks a name that becomes part of subjects, streams and buckets.</summary>
    internal static string CheckName(string value, string name) =>
        value is not null && NamePattern().IsMatch(value)
            ? value
            : throw new ArgumentException($"{name} must be 1 to 64 letters, digits, '-' or '_'; got '{value}'.", name);

    /// <summary>
    /// Checks a wait: positive, and at most <see cref="MaxWait"/>. Timers and cancellation deadlines take no more than
    /// about 49.7 days, so a longer value would only fail later, where it is used, naming none of these options.
    /// </summary>
    private static TimeSpan Wait(TimeSpan value, string name) =>
        value > TimeSpan.Zero && value <= MaxWait
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and at most 1 day.");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();
}

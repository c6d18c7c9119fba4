using System.CommandLine;
using System.CommandLine.Parsing;
using Spindle.Cluster.Nats;

namespace Spindle.Cli;

/// <summary>
/// The options of every command that connects to a cluster (<c>spindle agent</c>, and a command run with a cluster):
/// the server, the cluster's name, how to sign in (<c>--user</c> with a password, a token, <c>--creds</c>,
/// <c>--nkey</c>; the password and token also in a file or an environment variable, see <see cref="SecretOption"/>),
/// TLS (<c>--tls-ca</c>, <c>--tls-cert</c>/<c>--tls-key</c>, or a <c>tls://</c> server) and how long
/// to wait for the server (<c>--connect-timeout</c>). The parser
/// checks each value and the combination, reading the files once, so a mistake is reported naming the option before
/// anything connects; <see cref="ToClusterOptions"/> hands the result over as <see cref="ClusterOptions"/> whose later
/// errors (a refused sign-in, a failed TLS handshake) name these options too.
/// </summary>
internal sealed class ClusterCommandOptions
{
    /// <summary>The environment variable a password may be given in instead of <c>--password</c>, off the command line.</summary>
    public const string PasswordVariable = "SPINDLE_NATS_PASSWORD";

    /// <summary>The environment variable a token may be given in instead of <c>--token</c>, off the command line.</summary>
    public const string TokenVariable = "SPINDLE_NATS_TOKEN";

    private readonly ClusterOptionNames _names;
    private readonly SecretOption _password;
    private readonly SecretOption _token;

    private ClusterCommandOptions(ClusterOptionNames names, bool serverRequired, string clusterNameOption)
    {
        _names = names;
        Server = new Option<string>(names.Server)
        {
            Description = "The NATS server (with JetStream), e.g. nats://host:4222; tls://host:4222 requires TLS.",
            Required = serverRequired,
            HelpName = "URL",
        };
        Server.Validators.Add(r => Check(r, () => ClusterOptions.CheckServer(r.GetValueOrDefault<string>(), names.Server, names)));
        ClusterName = new Option<string>(clusterNameOption) { Description = "The cluster's name: its streams, subjects and buckets on the server.", DefaultValueFactory = _ => "default", HelpName = "NAME" };
        ClusterName.Validators.Add(r => Check(r, () => ClusterOptions.CheckName(r.GetValueOrDefault<string>()!, clusterNameOption)));
        User = Text(names.User, "User name to sign in with (with a password: --password-file, SPINDLE_NATS_PASSWORD or --password).", "USER");
        _password = new SecretOption(names.Password, "Password (with --user)", "PASSWORD", PasswordVariable);
        _token = new SecretOption(names.Token, "Token", "TOKEN", TokenVariable);
        CredentialsFile = Path(names.CredentialsFile, "NATS credentials file (.creds: a user JWT and its nkey seed) to sign in with.");
        NKeySeedFile = Path(names.NKeySeedFile, "File holding a user nkey seed (SU…, as `nk -gen user` writes) whose public key is a user of the server.");
        TlsCaFile = Path(names.TlsCaFile, "PEM file of the CA that signed the server's certificate (requires TLS); default: the system's trusted CAs.");
        TlsCertificateFile = Path(names.TlsCertificateFile, "PEM client certificate, for a server that verifies clients (mutual TLS); with --tls-key.");
        TlsKeyFile = Path(names.TlsKeyFile, "PEM private key (unencrypted) of --tls-cert.");
        ConnectTimeout = CliOptions.Ranged("--connect-timeout", "Seconds to wait for the server when connecting before giving up.", 5, 1, 600);
    }

    public Option<string> Server { get; }

    public Option<string> ClusterName { get; }

    public Option<string> User { get; }

    public Option<string> Password => _password.Value;

    public Option<string> PasswordFile => _password.File;

    public Option<string> Token => _token.Value;

    public Option<string> TokenFile => _token.File;

    public Option<string> CredentialsFile { get; }

    public Option<string> NKeySeedFile { get; }

    public Option<string> TlsCaFile { get; }

    public Option<string> TlsCertificateFile { get; }

    public Option<string> TlsKeyFile { get; }

    public Option<int> ConnectTimeout { get; }

    /// <summary>The options that sign in or set up TLS.</summary>
    private Option<string>[] SignIn =>
        [User, Password, PasswordFile, Token, TokenFile, CredentialsFile, NKeySeedFile, TlsCaFile, TlsCertificateFile, TlsKeyFile];

    /// <summary>
    /// The options, their help and their checks. <paramref name="serverOption"/> and <paramref name="clusterNameOption"/>
    /// let a command call them otherwise (errors then use its names); the others are the same for every command.
    /// </summary>
    public static ClusterCommandOptions Create(bool serverRequired, string serverOption = "--server", string clusterNameOption = "--cluster") =>
        new(ClusterOptionNames.CommandLine with { Server = serverOption }, serverRequired, clusterNameOption);

    /// <summary>Adds every option to <paramref name="command"/>, with a check of the sign-in and TLS settings together.</summary>
    public void AddTo(Command command)
    {
        Option[] options = [Server, ClusterName, .. SignIn, ConnectTimeout];
        foreach (Option option in options)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            try
            {
                Credentials(option => r.GetValue(option), HasServer(r.GetValue(Server))).Check();
            }
            catch (ArgumentException e)
            {
                r.AddError(WithoutParameter(e));
            }
        });
    }

    /// <summary>True when the command line names a server (for a command where the cluster is optional).</summary>
    public bool HasServer(ParseResult parse) => HasServer(parse.GetValue(Server));

    /// <summary>Every option but the server's: each means nothing without a server, so a command refuses it alone.</summary>
    public Option[] NeedingServer => [ClusterName, .. SignIn, ConnectTimeout];

    /// <summary>The cluster the command line describes, its errors naming these options.</summary>
    public ClusterOptions ToClusterOptions(ParseResult parse)
    {
        ClusterCredentials credentials = Credentials(option => parse.GetValue(option), HasServer(parse));
        return new ClusterOptions
        {
            Server = parse.GetValue(Server),
            ClusterName = parse.GetValue(ClusterName)!,
            User = credentials.User,
            Password = credentials.Password,
            Token = credentials.Token,
            CredentialsFile = credentials.CredentialsFile,
            NKeySeedFile = credentials.NKeySeedFile,
            TlsCaFile = credentials.TlsCaFile,
            TlsCertificateFile = credentials.TlsCertificateFile,
            TlsKeyFile = credentials.TlsKeyFile,
            ConnectTimeout = TimeSpan.FromSeconds(parse.GetValue(ConnectTimeout)),
            OptionNames = credentials.Names,
        };
    }

    private static bool HasServer(string? server) => server is not null;

    /// <summary>
    /// Clears the password and token variables from this process's environment once read: the processes it starts
    /// (an agent's workers, ffmpeg, a shell a call runs) must not inherit them.
    /// </summary>
    public void ForgetSecretVariables()
    {
        Environment.SetEnvironmentVariable(_password.Variable, null);
        Environment.SetEnvironmentVariable(_token.Variable, null);
    }

    /// <summary>
    /// The sign-in and TLS settings of the command line, the password and token from wherever they were given; errors
    /// then name that place. The environment counts only when a server is given: a variable exported for the agents
    /// must not trouble a command run without a cluster.
    /// </summary>
    private ClusterCredentials Credentials(Func<Option<string>, string?> value, bool withServer)
    {
        Func<string, string?> environment = withServer ? Environment.GetEnvironmentVariable : _ => null;
        (string? password, string passwordSource) = _password.Read(value, environment);
        (string? token, string tokenSource) = _token.Read(value, environment);
        return new()
        {
            User = value(User),
            Password = password,
            Token = token,
            CredentialsFile = value(CredentialsFile),
            NKeySeedFile = value(NKeySeedFile),
            TlsCaFile = value(TlsCaFile),
            TlsCertificateFile = value(TlsCertificateFile),
            TlsKeyFile = value(TlsKeyFile),
            Names = _names with { Password = passwordSource, Token = tokenSource },
        };
    }

    private static Option<string> Text(string name, string description, string helpName)
    {
        var option = new Option<string>(name) { Description = description, HelpName = helpName };
        option.Validators.Add(r => Check(r, () => ClusterCredentials.CheckText(r.GetValueOrDefault<string>(), name)));
        return option;
    }

    private static Option<string> Path(string name, string description)
    {
        var option = new Option<string>(name) { Description = description, HelpName = "FILE" };
        option.Validators.Add(r => Check(r, () => ClusterCredentials.CheckPath(r.GetValueOrDefault<string>(), name)));
        return option;
    }

    /// <summary>Turns a check's <see cref="ArgumentException"/> into the parser's error for the option.</summary>
    public static void Check(OptionResult result, Action check)
    {
        try
        {
            check();
        }
        catch (ArgumentException e)
        {
            result.AddError(WithoutParameter(e));
        }
    }

    private static string WithoutParameter(ArgumentException e) => e.Message.Split(" (Parameter", 2)[0];
}

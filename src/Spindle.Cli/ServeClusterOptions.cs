using System.CommandLine;
using System.CommandLine.Parsing;

namespace Spindle.Cli;

/// <summary>
/// <c>spindle serve</c>'s cluster options: <c>--cluster URL</c> (the NATS server; none keeps the farm local),
/// <c>--cluster-name</c>, and the sign-in options of <c>spindle agent</c> (<c>--user</c>/<c>--password</c>,
/// <c>--token</c>, <c>--creds</c>), checked by the parser so a mistake names the option before anything connects.
/// </summary>
internal sealed class ServeClusterOptions
{
    private readonly Option<string> _server = new("--cluster") { Description = "Render on this cluster's agents (a NATS server with JetStream, e.g. nats://host:4222) and keep jobs there, so a restart loses none.", HelpName = "URL" };
    private readonly Option<string> _name = new("--cluster-name") { Description = "The cluster's name: its streams, subjects and buckets on the server.", DefaultValueFactory = _ => "default", HelpName = "NAME" };
    private readonly Option<string> _user = new("--user") { Description = "User name to connect to the cluster with (with --password).", HelpName = "USER" };
    private readonly Option<string> _password = new("--password") { Description = "Password to connect to the cluster with (with --user).", HelpName = "PASSWORD" };
    private readonly Option<string> _token = new("--token") { Description = "Token to connect to the cluster with.", HelpName = "TOKEN" };
    private readonly Option<string> _creds = new("--creds") { Description = "NATS credentials file (.creds) to connect to the cluster with.", HelpName = "FILE" };

    public ServeClusterOptions()
    {
        _server.Validators.Add(r => Check(r, () => ClusterOptions.CheckServer(r.GetValueOrDefault<string>(), "--cluster")));
        _name.Validators.Add(r => Check(r, () => ClusterOptions.CheckName(r.GetValueOrDefault<string>()!, "--cluster-name")));
    }

    /// <summary>Adds the options to <paramref name="command"/>, with a check of the sign-in options together.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _server, _name, _user, _password, _token, _creds })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            bool hasUser = r.GetValue(_user) is not null, hasPassword = r.GetValue(_password) is not null;
            int ways = (hasUser ? 1 : 0) + (r.GetValue(_token) is not null ? 1 : 0) + (r.GetValue(_creds) is not null ? 1 : 0);
            if (ways > 0 && r.GetValue(_server) is null)
            {
                r.AddError("--user, --password, --token and --creds sign in to a cluster: give --cluster too.");
            }
            else if (hasUser != hasPassword)
            {
                r.AddError("--user and --password go together.");
            }
            else if (ways > 1)
            {
                r.AddError("Give only one of --user/--password, --token and --creds.");
            }
            else if (r.GetValue(_creds) is { } file && !File.Exists(file))
            {
                r.AddError($"--creds '{file}' does not exist.");
            }
        });
    }

    /// <summary>True when the command line names a cluster.</summary>
    public bool HasServer(ParseResult parse) => parse.GetValue(_server) is not null;

    /// <summary>The cluster the command line describes.</summary>
    public ClusterOptions ToClusterOptions(ParseResult parse) => new()
    {
        Server = parse.GetValue(_server),
        ClusterName = parse.GetValue(_name)!,
        User = parse.GetValue(_user),
        Password = parse.GetValue(_password),
        Token = parse.GetValue(_token),
        CredentialsFile = parse.GetValue(_creds),
    };

    private static void Check(OptionResult result, Action check)
    {
        try
        {
            check();
        }
        catch (ArgumentException e)
        {
            result.AddError(e.Message.Split(" (Parameter", 2)[0]);
        }
    }
}

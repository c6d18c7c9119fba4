using System.CommandLine;
using System.CommandLine.Parsing;

namespace Spindle.Cli.Cluster;

/// <summary>
/// The options that point a command at a cluster: <c>--cluster URL [--cluster-name NAME]</c> and the credentials
/// <c>spindle agent</c> takes (<c>--user</c>/<c>--password</c>, <c>--token</c>, <c>--creds</c>). Each is checked by
/// the parser, so a bad value is reported naming its option before anything starts.
/// </summary>
internal sealed class ClusterTargetOptions
{
    private readonly Option<string> _server = new("--cluster") { Description = "Run on the agents of a cluster: its NATS server (with JetStream), e.g. nats://host:4222.", HelpName = "URL" };
    private readonly Option<string> _name = new("--cluster-name") { Description = "The cluster's name on that server (spindle agent --cluster).", DefaultValueFactory = _ => "default", HelpName = "NAME" };
    private readonly Option<string> _user = new("--user") { Description = "User name to connect to the cluster with (with --password).", HelpName = "USER" };
    private readonly Option<string> _password = new("--password") { Description = "Password to connect to the cluster with (with --user).", HelpName = "PASSWORD" };
    private readonly Option<string> _token = new("--token") { Description = "Token to connect to the cluster with.", HelpName = "TOKEN" };
    private readonly Option<string> _creds = new("--creds") { Description = "NATS credentials file (.creds) to connect to the cluster with.", HelpName = "FILE" };

    public ClusterTargetOptions()
    {
        _server.Validators.Add(r => Check(r, () => ClusterOptions.CheckServer(r.GetValueOrDefault<string>(), "--cluster")));
        _name.Validators.Add(r => Check(r, () => ClusterOptions.CheckName(r.GetValueOrDefault<string>()!, "--cluster-name")));
    }

    /// <summary><c>--cluster</c>: the cluster's NATS server; a command runs locally without it.</summary>
    public Option<string> Server => _server;

    /// <summary>Adds the options to <paramref name="command"/>, with the checks that tie them together.</summary>
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
            bool credentials = ways > 0 || hasPassword;
            bool nameGiven = r.GetResult(_name) is { Implicit: false };
            if (r.GetValue(_server) is null && (credentials || nameGiven))
            {
                r.AddError($"{(nameGiven ? "--cluster-name needs" : "--user, --password, --token and --creds need")} --cluster (the cluster's NATS server).");
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

    /// <summary>The cluster the command line names; null without <c>--cluster</c>.</summary>
    public ClusterTarget? Read(ParseResult parse) => parse.GetValue(_server) is { } server
        ? new ClusterTarget(server, parse.GetValue(_name)!, parse.GetValue(_user), parse.GetValue(_password), parse.GetValue(_token), parse.GetValue(_creds))
        : null;

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

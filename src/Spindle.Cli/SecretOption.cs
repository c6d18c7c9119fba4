using System.CommandLine;
using Spindle.Cluster.Nats;

namespace Spindle.Cli;

/// <summary>
/// A secret a cluster command signs in with (the password, the token), given one of three ways: as the option's value
/// (<c>--password</c>, which every user of the machine can read in the process list), in a file only its owner may
/// read (<c>--password-file</c>), or in an environment variable (<c>SPINDLE_NATS_PASSWORD</c>, which only the same
/// user and root can read). Two ways at once, an empty value or a missing file are refused naming where each came
/// from, so a mistake never passes for no secret or for the other one.
/// </summary>
internal sealed class SecretOption
{
    public SecretOption(string name, string what, string helpName, string variable)
    {
        Variable = variable;
        Value = new Option<string>(name)
        {
            Description = $"{what} to sign in with. Other users of this machine can read a command line: prefer {name}-file or {variable}.",
            HelpName = helpName,
        };
        Value.Validators.Add(r => ClusterCommandOptions.Check(r, () => ClusterCredentials.CheckText(r.GetValueOrDefault<string>(), name)));
        File = new Option<string>($"{name}-file")
        {
            Description = $"File holding the {what.ToLowerInvariant()} to sign in with (its last line break is not part of it); or set {variable}.",
            HelpName = "FILE",
        };
        File.Validators.Add(r => ClusterCommandOptions.Check(r, () => ClusterCredentials.CheckPath(r.GetValueOrDefault<string>(), File.Name)));
    }

    /// <summary>The secret on the command line itself.</summary>
    public Option<string> Value { get; }

    /// <summary>A file holding the secret.</summary>
    public Option<string> File { get; }

    /// <summary>The environment variable holding the secret.</summary>
    public string Variable { get; }

    /// <summary>
    /// The secret, or null when it is not given, with what the user called the place it came from (for errors: a
    /// refused sign-in then says "check --password-file"). Throws <see cref="ArgumentException"/> naming the option
    /// when it is given two ways, or its file is missing or empty.
    /// </summary>
    public (string? Secret, string Source) Read(Func<Option<string>, string?> option, Func<string, string?> environment)
    {
        string? value = option(Value);
        string? path = option(File);
        string? fromVariable = environment(Variable);
        string[] given = new[] { value is null ? null : Value.Name, path is null ? null : File.Name, fromVariable is null ? null : Variable }.OfType<string>().ToArray();
        if (given.Length > 1)
        {
            throw new ArgumentException($"Give {Value.Name} one way only; got {string.Join(" and ", given)}.", given[1]);
        }

        // An empty value or variable is refused by ClusterCredentials.Check, in order with the other settings, naming
        // the source returned here.
        return value is not null ? (value, Value.Name)
            : fromVariable is not null ? (fromVariable, Variable)
            : path is not null ? (ReadFile(path), File.Name)
            : (null, Value.Name);
    }

    private string ReadFile(string path)
    {
        string name = File.Name;
        ClusterCredentials.CheckPath(path, name);
        if (!System.IO.File.Exists(path))
        {
            throw new ArgumentException($"{name} '{path}' does not exist.", name);
        }

        string text;
        try
        {
            text = System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{name} '{path}' cannot be read: {e.Message}", name, e);
        }

        // `echo secret > file` and editors end the file with a line break that is no part of the secret.
        string secret = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        return secret.Trim().Length > 0 ? secret : throw new ArgumentException($"{name} '{path}' is empty.", name);
    }
}

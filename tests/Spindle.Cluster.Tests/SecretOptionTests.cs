using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// The password and token off the command line, which every user of the machine can read (<c>ps</c>,
/// <c>/proc/*/cmdline</c>): <c>--password-file</c>, <c>--token-file</c>, <c>SPINDLE_NATS_PASSWORD</c> and
/// <c>SPINDLE_NATS_TOKEN</c>, checked as the other sign-in options are, naming where each value came from.
/// </summary>
public sealed class SecretOptionTests(NatsServer server) : ClusterTest(server), IDisposable
{
    /// <summary>Not a machine that exists: a refused option means nothing tried to connect.</summary>
    private const string Elsewhere = "nats://build-farm.invalid:4222";

    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-secrets-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Agent_PasswordFile_SignsInWithTheSecretOffItsCommandLine()
    {
        string file = Write("password", Server.Password + "\n");

        await using AgentProcess agent = await AgentProcess.StartWithAsync("from-file", "--server", Server.Url, "--cluster", Cluster, "--user", Server.User, "--password-file", file);

        Assert.DoesNotContain(Server.Password, File.ReadAllText($"/proc/{agent.ProcessId}/cmdline"), StringComparison.Ordinal);
        Assert.DoesNotContain(Server.Password, agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_PasswordInTheEnvironment_SignsIn()
    {
        var environment = new Dictionary<string, string> { ["SPINDLE_NATS_PASSWORD"] = Server.Password };

        await using AgentProcess agent = await AgentProcess.StartWithAsync("from-environment", environment, "--server", Server.Url, "--cluster", Cluster, "--user", Server.User);

        Assert.DoesNotContain(Server.Password, File.ReadAllText($"/proc/{agent.ProcessId}/cmdline"), StringComparison.Ordinal);

        // Read, then kept from the processes the agent starts: a call's worker does not inherit it.
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        string environ = await pool.RunAsync(() => File.ReadAllText("/proc/self/environ")).Within("a call reading its worker's environment");
        Assert.DoesNotContain("SPINDLE_NATS_PASSWORD=", environ, StringComparison.Ordinal);
        Assert.DoesNotContain(Server.Password, environ, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_WrongPasswordFile_ExitsOneNamingTheFileOption()
    {
        string file = Write("wrong", "not-the-password");

        (int code, string output) = await AgentProcess.RunToFailureAsync("--server", Server.Url, "--cluster", Cluster, "--user", Server.User, "--password-file", file);

        Assert.Equal(1, code);
        Assert.Contains("Check --user and --password-file", output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--password-file '/no/such/password' does not exist", "", "--user", "agent", "--password-file", "/no/such/password")]
    [InlineData("--password-file '{empty}' is empty", "", "--user", "agent", "--password-file", "{empty}")]
    [InlineData("--token-file is an empty path", "", "--token-file", " ")]
    [InlineData("Give --password one way only; got --password and --password-file", "", "--user", "agent", "--password", "p", "--password-file", "{secret}")]
    [InlineData("Give --token one way only; got --token-file and SPINDLE_NATS_TOKEN", "SPINDLE_NATS_TOKEN=t", "--token-file", "{secret}")]
    [InlineData("SPINDLE_NATS_TOKEN is empty", "SPINDLE_NATS_TOKEN=", "--allow-anonymous")]
    [InlineData("Give only one way to sign in; got --user (with SPINDLE_NATS_PASSWORD), SPINDLE_NATS_TOKEN", "SPINDLE_NATS_TOKEN=t SPINDLE_NATS_PASSWORD=p", "--user", "agent")]
    [InlineData("--user and SPINDLE_NATS_PASSWORD go together", "SPINDLE_NATS_PASSWORD=p")]
    public async Task Agent_SecretGivenWrongly_IsAParseErrorNamingWhereItCameFrom(string expected, string environment, params string[] signIn)
    {
        string empty = Write("empty", "\n");
        string secret = Write("secret", "s3cret\n");
        string[] arguments = signIn.Select(a => a.Replace("{empty}", empty, StringComparison.Ordinal).Replace("{secret}", secret, StringComparison.Ordinal)).ToArray();
        Dictionary<string, string> variables = environment.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => v.Split('=', 2)).ToDictionary(v => v[0], v => v[1]);

        (int code, string output) = await AgentProcess.RunToFailureAsync(variables, ["--server", Elsewhere, "--cluster", "refused", .. arguments]);

        Assert.Equal(2, code);
        Assert.Contains(expected.Replace("{empty}", empty, StringComparison.Ordinal), output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", output, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}

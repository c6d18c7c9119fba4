using NATS.NKeys;
using Spindle.Cluster.Agent;
using Spindle.Cluster.Nats;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// Sign-in and TLS settings checked where they are given, naming the option: <see cref="ClusterOptions"/>' setters and
/// <c>UseCluster</c>, <c>spindle agent</c>'s parser; and the agent's refusal to connect anonymously to another machine.
/// </summary>
public sealed class CredentialOptionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-credentials-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void NKeySeed_NotASeed_IsRefusedNamingItWithoutRepeatingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClusterOptions { NKeySeed = "SUnot-really-a-seed" });

        Assert.Equal("NKeySeed", error.ParamName);
        Assert.DoesNotContain("SUnot-really-a-seed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NKeySeed_AnAccountSeed_IsRefusedAsAnotherKind()
    {
        using KeyPair account = KeyPair.CreatePair(PrefixByte.Account);

        var error = Assert.Throws<ArgumentException>(() => new ClusterOptions { NKeySeed = account.GetSeed() });

        Assert.Contains("user seed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseCluster_SeedFileWithoutASeed_FailsNamingTheOption()
    {
        string file = Write("empty.nk", "# no seed here\n");

        var error = Assert.Throws<ArgumentException>(() => new WorkerPoolOptions().UseCluster(new ClusterOptions { Server = "nats://127.0.0.1:4222", NKeySeedFile = file }));

        Assert.Contains("ClusterOptions.NKeySeedFile", error.Message, StringComparison.Ordinal);
        Assert.Contains("SU", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseCluster_CertificateWithoutKey_FailsNamingTheKeyOption()
    {
        string certificate = Write("client.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");

        var error = Assert.Throws<ArgumentException>(() => new WorkerPoolOptions().UseCluster(new ClusterOptions { Server = "tls://127.0.0.1:4222", TlsCertificateFile = certificate }));

        Assert.Contains("ClusterOptions.TlsKeyFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseCluster_CaFileThatIsNoCertificate_FailsNamingTheOption()
    {
        string ca = Write("ca.pem", "not a certificate\n");

        var error = Assert.Throws<ArgumentException>(() => new WorkerPoolOptions().UseCluster(new ClusterOptions { Server = "tls://127.0.0.1:4222", TlsCaFile = ca }));

        Assert.Contains("ClusterOptions.TlsCaFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseCluster_TwoWaysToSignIn_FailsNamingBoth()
    {
        using KeyPair user = KeyPair.CreatePair(PrefixByte.User);

        var error = Assert.Throws<ArgumentException>(() => new WorkerPoolOptions().UseCluster(
            new ClusterOptions { Server = "nats://127.0.0.1:4222", Token = "t", NKeySeed = user.GetSeed() }));

        Assert.Contains("ClusterOptions.Token", error.Message, StringComparison.Ordinal);
        Assert.Contains("ClusterOptions.NKeySeed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsCaFile_EmptyPath_IsRefusedNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClusterOptions { TlsCaFile = " " });

        Assert.Equal("TlsCaFile", error.ParamName);
    }

    [Fact]
    public void UserPasswordToken_EmptyOrBlank_AreRefusedNamingThem()
    {
        // An empty value (an unset variable) must not pass for credentials.
        var token = Assert.Throws<ArgumentException>(() => new ClusterOptions { Token = "" });
        var user = Assert.Throws<ArgumentException>(() => new ClusterOptions { User = "" });
        var password = Assert.Throws<ArgumentException>(() => new ClusterOptions { Password = " \t" });

        Assert.Equal("Token", token.ParamName);
        Assert.Contains("Token is empty", token.Message, StringComparison.Ordinal);
        Assert.Equal("User", user.ParamName);
        Assert.Equal("Password", password.ParamName);
    }

    [Fact]
    public void CheckedCredentials_EmptyTokenForAnotherMachine_RefusesNamingTheOption()
    {
        var options = Agent("nats://build-farm.example:4222") with
        {
            Credentials = new ClusterCredentials { Token = "", Names = ClusterOptionNames.CommandLine },
        };

        var error = Assert.Throws<SpindleException>(() => options.CheckedCredentials());

        Assert.Contains("--token", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nats://127.0.0.1:4222", true)]
    [InlineData("tls://127.0.0.2:4222", true)]
    [InlineData("nats://localhost:4222", true)]
    [InlineData("nats://[::1]:4222", true)]
    [InlineData("nats://build-farm.example:4222", false)]
    [InlineData("nats://10.1.2.3:4222", false)]
    [InlineData("nats://localhost.example:4222", false)]
    public void IsLoopback_ReadsTheAddressAsWritten(string server, bool loopback) =>
        Assert.Equal(loopback, ClusterCredentials.IsLoopback(server));

    [Fact]
    public void CheckedCredentials_NoneForAnotherMachine_RefusesNamingTheOptions()
    {
        var options = Agent("nats://build-farm.example:4222");

        var error = Assert.Throws<SpindleException>(() => options.CheckedCredentials());

        foreach (string option in new[] { "--server", "--user", "--token", "--creds", "--nkey", "--tls-cert", "--allow-anonymous" })
        {
            Assert.Contains(option, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CheckedCredentials_NoneWithAllowAnonymous_OrOnLoopback_OrWithAUser_Passes()
    {
        Assert.True((Agent("nats://build-farm.example:4222") with { AllowAnonymous = true }).CheckedCredentials().IsAnonymous);
        Assert.True(Agent("nats://127.0.0.1:4222").CheckedCredentials().IsAnonymous);
        ClusterCredentials user = (Agent("nats://build-farm.example:4222") with
        {
            Credentials = new ClusterCredentials { User = "agent", Password = "secret", Names = ClusterOptionNames.CommandLine },
        }).CheckedCredentials();
        Assert.False(user.IsAnonymous);
    }

    [Fact]
    public async Task Agent_NoCredentialsForAnotherMachine_RefusesToStartNamingTheOptions()
    {
        // Refused before anything connects: the address is never looked up.
        (int code, string output) = await AgentProcess.RunToFailureAsync("--server", "nats://build-farm.invalid:4222", "--cluster", "refused");

        Assert.True(code == 2, $"exit {code} (bad input is 2)\n{output}");
        Assert.Contains("No credentials for the NATS server 'nats://build-farm.invalid:4222' (--server)", output, StringComparison.Ordinal);

        // The ways that keep a secret off the command line, which every user of the machine can read.
        Assert.Contains("--password-file or SPINDLE_NATS_PASSWORD, or --token-file or SPINDLE_NATS_TOKEN", output, StringComparison.Ordinal);
        Assert.Contains("--allow-anonymous", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--token", "--token", "")]
    [InlineData("--user", "--user", "", "--password", "")]
    [InlineData("--password", "--user", "agent", "--password", " ")]
    public async Task Agent_EmptySignInValueForAnotherMachine_IsAParseErrorNamingTheOption(string option, params string[] signIn)
    {
        // As with no credentials at all, nothing connects: the address is never looked up.
        (int code, string output) = await AgentProcess.RunToFailureAsync(["--server", "nats://build-farm.invalid:4222", "--cluster", "refused", .. signIn]);

        Assert.Equal(2, code);
        Assert.Contains($"{option} is empty", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_CertificateWithoutKey_IsAParseErrorNamingBoth()
    {
        string certificate = Write("client.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");

        (int code, string output) = await AgentProcess.RunToFailureAsync("--server", "tls://127.0.0.1:4222", "--tls-cert", certificate);

        Assert.NotEqual(0, code);
        Assert.Contains("--tls-cert and --tls-key go together", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_SeedFileWithoutASeed_IsAParseErrorNamingTheOption()
    {
        string file = Write("empty.nk", "nothing\n");

        (int code, string output) = await AgentProcess.RunToFailureAsync("--server", "nats://127.0.0.1:4222", "--nkey", file);

        Assert.NotEqual(0, code);
        Assert.Contains($"--nkey '{file}' holds no user nkey seed", output, StringComparison.Ordinal);
    }

    private static AgentOptions Agent(string server) => new() { Server = server, Name = "a", CacheDirectory = Path.GetTempPath() };

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}

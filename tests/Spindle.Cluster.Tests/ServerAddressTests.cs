using Spindle.Cluster.Agent;
using Spindle.Cluster.Nats;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// Credentials written into the server's address (<c>nats://user:secret@host</c>) are refused where the address is
/// given, naming the settings to use instead, and no message ever shows the secret: every address shown goes through
/// <see cref="ServerAddress.Redacted"/>.
/// </summary>
public sealed class ServerAddressTests
{
    private const string Secret = "sekrit";

    [Theory]
    [InlineData("nats://127.0.0.1:4222", "nats://127.0.0.1:4222")]
    [InlineData("nats://spindle:sekrit@127.0.0.1:4222", "nats://spindle:***@127.0.0.1:4222")]
    [InlineData("tls://sekrit@host:4222", "tls://***@host:4222")]
    [InlineData("nats://spindle:se@krit@host", "nats://spindle:***@host")]
    [InlineData("nats://a:sekrit@h1:4222,nats://b:sekrit@h2:4222", "nats://a:***@h1:4222,nats://b:***@h2:4222")]
    [InlineData("nats://spindle:sekrit@host:notaport/path@x", "nats://spindle:***@host:notaport/path@x")]
    [InlineData("spindle:sekrit@host", "spindle:***@host")]
    public void Redacted_HidesPasswordsAndTokens(string server, string shown) =>
        Assert.Equal(shown, ServerAddress.Redacted(server));

    [Fact]
    public void Server_WithCredentials_IsRefusedNamingTheSettingsWithoutTheSecret()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClusterOptions { Server = $"nats://spindle:{Secret}@127.0.0.1:4222" });

        Assert.Equal("Server", error.ParamName);
        Assert.Contains("ClusterOptions.User with ClusterOptions.Password", error.Message, StringComparison.Ordinal);
        Assert.Contains("nats://spindle:***@127.0.0.1:4222", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_MalformedWithCredentials_IsRefusedWithoutTheSecret()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClusterOptions { Server = $"http://spindle:{Secret}@host:4222" });

        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckedCredentials_ServerWithCredentialsForAnotherMachine_RefusesThemWithoutTheSecret()
    {
        // Before, the address counted as no credentials, and the refusal quoted the password.
        var options = new AgentOptions { Server = $"nats://spindle:{Secret}@10.255.255.1:4222", Name = "a", CacheDirectory = Path.GetTempPath() };

        var error = Assert.Throws<SpindleException>(() => options.CheckedCredentials());

        Assert.Contains("--server holds credentials", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("No credentials", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.255.255.1")]
    public async Task Agent_ServerWithCredentials_IsAParseErrorNamingTheOptionsWithoutTheSecret(string host)
    {
        // Nothing listens on port 1: before, the agent tried to connect and its error quoted the address in clear (or,
        // for another machine, refused it as anonymous, quoting it too).
        (int code, string output) = await AgentProcess.RunToFailureAsync(
            "--server", $"nats://spindle:{Secret}@{host}:1", "--cluster", "refused", "--connect-timeout", "1");

        Assert.Equal(2, code);
        Assert.Contains("--server holds credentials", output, StringComparison.Ordinal);
        Assert.Contains("--user with --password-file", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
    }
}

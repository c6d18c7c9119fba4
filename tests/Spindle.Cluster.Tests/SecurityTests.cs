using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// A server that requires mutual TLS and nkey or password sign-in: calls run end to end over it, and every way of
/// getting the certificates or the credentials wrong fails when the pool is created (or the agent starts), naming the
/// server and the option to fix.
/// </summary>
public sealed class SecurityTests(SecureNatsServer secure) : IClassFixture<SecureNatsServer>
{
    private readonly string _cluster = "s" + Guid.NewGuid().ToString("N")[..12];

    private TestCertificates Certificates => secure.Certificates;

    [Fact]
    public async Task RunAsync_OverMutualTlsWithNKeys_RunsOnTheAgent()
    {
        await using AgentProcess agent = await AgentProcess.StartWithAsync("tls-agent",
            "--server", secure.Server.TlsUrl, "--cluster", _cluster, "--nkey", secure.AgentSeedFile,
            "--tls-ca", Certificates.CaFile, "--tls-cert", Certificates.ClientCertificateFile, "--tls-key", Certificates.ClientKeyFile,
            "--connect-timeout", "60");
        await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = 2, DrainTimeout = Bounded.Prompt }.UseCluster(Secured(secure.Server.TlsUrl)));

        (int Value, string? Agent) result = await pool.RunAsync(() => (6 * 7, Environment.GetEnvironmentVariable("SPINDLE_AGENT"))).Within("a call over TLS");

        Assert.Equal((42, "tls-agent"), result);
    }

    [Fact]
    public async Task RunAsync_NKeySeedValueAndNatsAddress_UpgradesToTlsAndRuns()
    {
        await using AgentProcess agent = await AgentProcess.StartWithAsync("seed-agent",
            "--server", secure.Server.Url, "--cluster", _cluster, "--nkey", secure.AgentSeedFile,
            "--tls-ca", Certificates.CaFile, "--tls-cert", Certificates.ClientCertificateFile, "--tls-key", Certificates.ClientKeyFile,
            "--connect-timeout", "60");
        ClusterOptions cluster = Secured(secure.Server.Url);
        cluster.NKeySeedFile = null;
        cluster.NKeySeed = File.ReadAllText(secure.ClientSeedFile).Trim();
        await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = 2, DrainTimeout = Bounded.Prompt }.UseCluster(cluster));

        Assert.Equal(7, await pool.RunAsync(n => n + 1, 6).Within("a call signed in with a seed value"));
    }

    [Fact]
    public void NewWorkerPool_CaThatDidNotSignTheServer_FailsNamingTheServerAndTlsCaFile()
    {
        ClusterOptions cluster = Secured(secure.Server.TlsUrl);
        cluster.TlsCaFile = Certificates.OtherCaFile;

        var error = Assert.Throws<SpindleException>(() => new WorkerPool(new WorkerPoolOptions().UseCluster(cluster)));

        Assert.Contains(secure.Server.TlsUrl, error.Message, StringComparison.Ordinal);
        Assert.Contains("ClusterOptions.TlsCaFile", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("TLS with the NATS server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NewWorkerPool_NoClientCertificate_FailsNamingTheCertificateOption()
    {
        ClusterOptions cluster = Secured(secure.Server.TlsUrl);
        cluster.TlsCertificateFile = null;
        cluster.TlsKeyFile = null;

        var error = Assert.Throws<SpindleException>(() => new WorkerPool(new WorkerPoolOptions().UseCluster(cluster)));

        Assert.Contains(secure.Server.TlsUrl, error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains("ClusterOptions.TlsCertificateFile", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void NewWorkerPool_SeedTheServerDoesNotKnow_FailsNamingTheSeedOption()
    {
        ClusterOptions cluster = Secured(secure.Server.TlsUrl);
        cluster.NKeySeedFile = secure.StrangerSeedFile;

        var error = Assert.Throws<SpindleException>(() => new WorkerPool(new WorkerPoolOptions().UseCluster(cluster)));

        Assert.Contains(secure.Server.TlsUrl, error.Message, StringComparison.Ordinal);
        Assert.Contains("refused the connection", error.Message, StringComparison.Ordinal);
        Assert.Contains("ClusterOptions.NKeySeedFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NewWorkerPool_UserDeniedPublishingCalls_FailsNamingTheSubjectAndTheUser()
    {
        ClusterOptions cluster = Secured(secure.Server.TlsUrl);
        cluster.NKeySeedFile = null;
        cluster.User = "outsider";
        cluster.Password = secure.OutsiderPassword;

        var error = Assert.Throws<SpindleException>(() => new WorkerPool(new WorkerPoolOptions().UseCluster(cluster)));

        Assert.Contains($"spindle.{_cluster}.calls", error.Message, StringComparison.Ordinal);
        Assert.Contains("Permissions Violation", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ClusterOptions.User", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_SeedTheServerDoesNotKnow_ExitsOneNamingTheOption()
    {
        (int code, string output) = await AgentProcess.RunToFailureAsync(
            "--server", secure.Server.TlsUrl, "--cluster", _cluster, "--nkey", secure.StrangerSeedFile,
            "--tls-ca", Certificates.CaFile, "--tls-cert", Certificates.ClientCertificateFile, "--tls-key", Certificates.ClientKeyFile, "--connect-timeout", "60");

        Assert.Equal(1, code);
        Assert.Contains(secure.Server.TlsUrl, output, StringComparison.Ordinal);
        Assert.Contains("--nkey", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_WrongCa_ExitsOneNamingTheTlsOption()
    {
        (int code, string output) = await AgentProcess.RunToFailureAsync(
            "--server", secure.Server.TlsUrl, "--cluster", _cluster, "--nkey", secure.AgentSeedFile,
            "--tls-ca", Certificates.OtherCaFile, "--tls-cert", Certificates.ClientCertificateFile, "--tls-key", Certificates.ClientKeyFile, "--connect-timeout", "60");

        Assert.Equal(1, code);
        Assert.Contains(secure.Server.TlsUrl, output, StringComparison.Ordinal);
        Assert.Contains("--tls-ca", output, StringComparison.Ordinal);
    }

    /// <summary>Everything right: the pool's seed, the CA and the client certificate; a connect timeout for a loaded machine.</summary>
    private ClusterOptions Secured(string server) => new()
    {
        ConnectTimeout = Bounded.Unexpected,
        Server = server,
        ClusterName = _cluster,
        NKeySeedFile = secure.ClientSeedFile,
        TlsCaFile = Certificates.CaFile,
        TlsCertificateFile = Certificates.ClientCertificateFile,
        TlsKeyFile = Certificates.ClientKeyFile,
    };
}

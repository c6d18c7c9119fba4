using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Render.Tests;

/// <summary>
/// The secrets a cluster command signs in with never show: credentials written into the cluster's address are refused
/// by <c>spindle render</c> and <c>spindle serve</c> before anything connects, without quoting them.
/// </summary>
public sealed class ClusterSecretsTests : IDisposable
{
    private const string Secret = "sekrit";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("spindle-cluster-secrets-tests-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData("render", "--frames", "2", "--out", "never.png")]
    [InlineData("serve", "--port", "0")]
    public async Task Command_ClusterAddressWithCredentials_IsAParseErrorWithoutTheSecret(params string[] command)
    {
        // Nothing listens on port 1: before, the command tried to connect, and its error quoted the address in clear.
        ChildResult run = await SpindleAsync(Timeouts.ProgramRun, [.. command, "--cluster", $"nats://spindle:{Secret}@127.0.0.1:1", "--connect-timeout", "1"]);

        ClusterRenderCommandTests.AssertFailure(run, 2, "--cluster holds credentials");
        Assert.DoesNotContain(Secret, run.Transcript(), StringComparison.Ordinal);
    }

    private Task<ChildResult> SpindleAsync(TimeSpan timeout, string[] arguments) =>
        ChildProcess.RunAsync(Dotnet.Muxer, [Repository.SampleProgram("Spindle.Cli"), .. arguments], timeout, _directory.FullName);
}

using System.Diagnostics;
using Spindle.Render.Tests.Support;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Render.Tests;

/// <summary>
/// The secrets a cluster command signs in with never show: credentials written into the cluster's address are refused
/// by <c>spindle render</c> and <c>spindle serve</c> before anything connects, without quoting them; and
/// <c>spindle cluster demo</c> keeps its token off the command lines of the server and agents it starts, which every
/// user of the machine can read.
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

    [Fact]
    public async Task Demo_Running_KeepsItsTokenOffEveryCommandLine()
    {
        var start = new ProcessStartInfo(Dotnet.Muxer) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _directory.FullName };
        foreach (string argument in new[] { Repository.SampleProgram("Spindle.Cli"), "cluster", "demo", "--frames", "2000", "--width", "160", "--height", "90", "--out", "never.png" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process spindle = Process.Start(start)!;
        try
        {
            Task<string> errors = spindle.StandardError.ReadToEndAsync();
            var output = new List<string>();
            string? line;
            while ((line = await spindle.StandardOutput.ReadLineAsync().WaitAsync(Bounded.Unexpected)) is not null && !line.StartsWith("  frame ", StringComparison.Ordinal))
            {
                output.Add(line);
            }

            string transcript = string.Join('\n', output);
            if (line is null)
            {
                Assert.Fail($"The demo ended before any frame:\n{transcript}\n{await errors.WaitAsync(Bounded.Unexpected)}");
            }

            string demoDirectory = DemoProcesses.Directory(output);
            int[] started = DemoProcesses.Announced(output);
            int[] fromDirectory = DemoProcesses.StartedFrom(demoDirectory);
            Assert.True(started.Length >= 3, $"expected the server's and two agents' pids in:\n{transcript}");

            // The server and agents, and everything started from the demo's directory (the agents' workers).
            foreach (int pid in started.Union(fromDirectory))
            {
                string[] arguments = DemoProcesses.CommandLine(pid).Split(' ');
                Assert.DoesNotContain("--auth", arguments);
                Assert.DoesNotContain("--token", arguments);
            }

            string token = File.ReadAllText(Path.Combine(demoDirectory, "token"));
            Assert.All(started.Union(fromDirectory), pid => Assert.DoesNotContain(token, DemoProcesses.CommandLine(pid), StringComparison.Ordinal));
            foreach (string secret in new[] { "token", "nats-server.conf" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(demoDirectory, secret)));
            }

            Signals.Send(spindle.Id, Signals.Interrupt);
            await spindle.WaitForExitAsync().WaitAsync(Bounded.Unexpected);
        }
        finally
        {
            if (!spindle.HasExited)
            {
                spindle.Kill(entireProcessTree: true);
            }
        }
    }

    private Task<ChildResult> SpindleAsync(TimeSpan timeout, string[] arguments) =>
        ChildProcess.RunAsync(Dotnet.Muxer, [Repository.SampleProgram("Spindle.Cli"), .. arguments], timeout, _directory.FullName);
}

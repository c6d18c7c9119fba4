using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Spindle.Render.Tests.Support;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Render.Tests;

/// <summary>
/// <c>spindle cluster demo</c>, run as the real program: it starts a real nats-server and real agents, renders across
/// them, and must leave no process behind, whether it finishes or is interrupted.
/// </summary>
public sealed class ClusterDemoTests : IDisposable
{
    /// <summary>A demo starts a server and two agents before it renders: longer than one program's run on a loaded machine.</summary>
    private static readonly TimeSpan DemoRun = TimeSpan.FromMinutes(3);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("spindle-cluster-demo-tests-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Demo_TwoAgents_RendersTheBytesOfALocalRenderAcrossThemAndLeavesNothingRunning()
    {
        string local = Path.Combine(_directory.FullName, "local.png");
        string demo = Path.Combine(_directory.FullName, "demo.png");
        string[] render = ["--frames", "4", "--width", "40", "--height", "30", "--crash-frame", "2"];
        (await SpindleAsync(Timeouts.ProgramRun, ["render", .. render, "--out", local])).EnsureSuccess();

        ChildResult run = (await SpindleAsync(DemoRun, ["cluster", "demo", "--agents", "2", .. render, "--out", demo])).EnsureSuccess();

        Assert.Equal(File.ReadAllBytes(local), File.ReadAllBytes(demo));
        Dictionary<int, (string Agent, string Line)> frames = ClusterRenderCommandTests.FrameLines(run.Output);
        Assert.Equal([0, 1, 2, 3], frames.Keys.Order());
        Assert.All(frames.Values, f => Assert.Matches("^demo-agent-[12]$", f.Agent));
        Assert.Contains("attempt 2", frames[2].Line, StringComparison.Ordinal);
        AssertNothingLeft(run.Output);
    }

    [Fact]
    public async Task Demo_CtrlC_StopsTheRenderTheAgentsAndTheServer()
    {
        var start = new ProcessStartInfo(Dotnet.Muxer) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _directory.FullName };
        foreach (string argument in new[] { Repository.SampleProgram("Spindle.Cli"), "cluster", "demo", "--frames", "2000", "--width", "160", "--height", "90", "--out", Path.Combine(_directory.FullName, "never.png") })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new List<string>();
        using Process spindle = Process.Start(start)!;
        try
        {
            Task<string> errors = spindle.StandardError.ReadToEndAsync();
            while (await spindle.StandardOutput.ReadLineAsync().WaitAsync(Bounded.Unexpected) is { } line)
            {
                output.Add(line);
                if (line.StartsWith("  frame ", StringComparison.Ordinal))
                {
                    break;
                }
            }

            if (!output.Any(line => line.StartsWith("  frame ", StringComparison.Ordinal)))
            {
                Assert.Fail($"The demo ended before any frame:\n{string.Join('\n', output)}\n{await errors.WaitAsync(Bounded.Unexpected)}");
            }

            Signals.Send(spindle.Id, Signals.Interrupt);
            Task<string> rest = spindle.StandardOutput.ReadToEndAsync();
            await spindle.WaitForExitAsync().WaitAsync(Bounded.Unexpected);
            output.AddRange((await rest.WaitAsync(Bounded.Unexpected)).Split('\n'));

            Assert.True(spindle.ExitCode == 130, $"exit code {spindle.ExitCode}:\n{string.Join('\n', output)}\n{await errors}");
            Assert.Contains("cancelled", await errors.WaitAsync(Bounded.Unexpected), StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(_directory.FullName, "never.png")));
            AssertNothingLeft(output);
        }
        finally
        {
            if (!spindle.HasExited)
            {
                spindle.Kill(entireProcessTree: true);
            }
        }
    }

    [Theory]
    [InlineData("--agents", "0")]
    [InlineData("--agents", "17")]
    [InlineData("--port", "70000")]
    [InlineData("--frames", "0")]
    [InlineData("--crash-frame", "48")]
    [InlineData("--workers", "zero")]
    [InlineData("--crash-frame", "abc")]
    public async Task Demo_BadOption_FailsNamingItAndStartsNothing(string option, string value)
    {
        ChildResult run = await SpindleAsync(Timeouts.ProgramRun, ["cluster", "demo", option, value, "--out", Path.Combine(_directory.FullName, "never")]);

        ClusterRenderCommandTests.AssertFailure(run, 2, option);
        Assert.DoesNotContain("System.", run.Transcript(), StringComparison.Ordinal);
        Assert.DoesNotContain(run.Output, line => line.Contains("nats-server (pid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Demo_UnwritableOutput_FailsNamingOutAndStartsNothing()
    {
        string aFile = Path.Combine(_directory.FullName, "a-file");
        File.WriteAllText(aFile, "not a directory");

        ChildResult run = await SpindleAsync(Timeouts.ProgramRun, ["cluster", "demo", "--out", Path.Combine(aFile, "inside", "demo.png")]);

        ClusterRenderCommandTests.AssertFailure(run, 2, "spindle cluster demo: --out");
        Assert.DoesNotContain(run.Output, line => line.StartsWith("[demo]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Demo_PortInUse_FailsNamingThePort()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        ChildResult run = await SpindleAsync(Timeouts.ProgramRun, ["cluster", "demo", "--port", port, "--out", Path.Combine(_directory.FullName, "never")]);

        ClusterRenderCommandTests.AssertFailure(run, 2, $"--port {port} is in use");
    }

    [Fact]
    public async Task Demo_NoNatsServer_FailsNamingTheScriptThatInstallsIt()
    {
        var environment = new Dictionary<string, string?> { ["SPINDLE_NATS_SERVER"] = Path.Combine(_directory.FullName, "no-nats-server-here") };

        ChildResult run = await ChildProcess.RunAsync(
            Dotnet.Muxer, [Repository.SampleProgram("Spindle.Cli"), "cluster", "demo", "--out", Path.Combine(_directory.FullName, "never")], Timeouts.ProgramRun, _directory.FullName, environment);

        ClusterRenderCommandTests.AssertFailure(run, 1, "scripts/ensure-nats");
        Assert.Contains("SPINDLE_NATS_SERVER", string.Join('\n', run.Errors), StringComparison.Ordinal);
    }

    /// <summary>
    /// The server's and agents' pids the demo printed are gone, and so is every process started from its temporary
    /// directory (the agents' worker processes run from build caches inside it).
    /// </summary>
    private static void AssertNothingLeft(IReadOnlyList<string> output)
    {
        int[] pids = DemoProcesses.Announced(output);
        Assert.True(pids.Length >= 3, $"expected the server's and two agents' pids in:\n{string.Join('\n', output)}");
        Assert.All(pids, pid => Assert.False(Running(pid), $"pid {pid} outlived the demo"));
        string directory = DemoProcesses.Directory(output);
        Assert.False(Directory.Exists(directory), $"the demo's directory {directory} is still there");
        int[] left = DemoProcesses.StartedFrom(directory);
        Assert.True(left.Length == 0, $"processes started from {directory} outlived the demo: {string.Join(", ", left)}");
    }

    private static bool Running(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private Task<ChildResult> SpindleAsync(TimeSpan timeout, string[] arguments) =>
        ChildProcess.RunAsync(Dotnet.Muxer, [Repository.SampleProgram("Spindle.Cli"), .. arguments], timeout, _directory.FullName);
}

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
        (int exitCode, List<string> output, string errors) = await InterruptMidRenderAsync(Signals.Interrupt, wholeGroup: false);

        Assert.True(exitCode == 130, $"exit code {exitCode}:\n{string.Join('\n', output)}\n{errors}");
        Assert.Contains("cancelled", errors, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory.FullName, "never.png")));
        AssertNothingLeft(output);
    }

    [Fact]
    public async Task Demo_CtrlCOnTheTerminal_TheAgentsDrainThroughTheServerBeforeItStops()
    {
        // A terminal's Ctrl+C signals its whole foreground process group: the demo, its agents and, unless it runs in
        // a session of its own, nats-server, which would then be gone before the agents could drain through it (they
        // were killed after the drain's bound, the render's stop waited out its own).
        (int exitCode, List<string> output, string errors) = await InterruptMidRenderAsync(Signals.Interrupt, wholeGroup: true);

        string all = $"exit code {exitCode}:\n{string.Join('\n', output)}\n{errors}";
        Assert.True(exitCode == 130, all);
        // Each agent drained to its end (it finished what it held, through the server, and left the registry)...
        foreach (string agent in new[] { "demo-agent-1", "demo-agent-2" })
        {
            Assert.True(output.Any(line => line.Contains($"spindle agent {agent}: stopped.", StringComparison.Ordinal)), $"{agent} never said it stopped:\n{all}");
        }

        // ...and the demo's own words for an agent killed after the drain's bound, or a render that outlived its stop's, are absent.
        Assert.DoesNotContain(output, line => line.StartsWith("[demo] demo-agent-", StringComparison.Ordinal) && line.Contains("did not drain within", StringComparison.Ordinal));
        Assert.DoesNotContain(output, line => line.Contains("the render did not end within", StringComparison.Ordinal));
        AssertNothingLeft(output);
    }

    [Fact]
    public async Task Demo_TerminalHangsUp_StopsTheServerItRunsInASessionOfItsOwn()
    {
        // The server is out of the terminal's reach, so the demo must stop it on a hangup as on Ctrl+C.
        (_, List<string> output, _) = await InterruptMidRenderAsync(Signals.Hangup, wholeGroup: true);

        AssertNothingLeft(output);
    }

    /// <summary>
    /// Starts a long demo, waits for its first frame, then sends <paramref name="signal"/> to the demo alone or, as a
    /// terminal does, to its whole process group (the demo then runs as a group of its own, so the test is not hit).
    /// </summary>
    private async Task<(int ExitCode, List<string> Output, string Errors)> InterruptMidRenderAsync(int signal, bool wholeGroup)
    {
        string[] demo = [Dotnet.Muxer, Repository.SampleProgram("Spindle.Cli"), "cluster", "demo", "--frames", "2000", "--width", "160", "--height", "90", "--out", Path.Combine(_directory.FullName, "never.png")];
        var start = new ProcessStartInfo(wholeGroup ? "/usr/bin/setsid" : demo[0]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _directory.FullName };
        foreach (string argument in wholeGroup ? demo : demo[1..])
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

            Signals.Send(wholeGroup ? -spindle.Id : spindle.Id, signal);
            Task<string> rest = spindle.StandardOutput.ReadToEndAsync();
            await spindle.WaitForExitAsync().WaitAsync(Bounded.Unexpected);
            output.AddRange((await rest.WaitAsync(Bounded.Unexpected)).Split('\n'));
            return (spindle.ExitCode, output, await errors.WaitAsync(Bounded.Unexpected));
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
        string directory = DemoProcesses.Directory(output);
        int[] outlived = [.. pids.Where(Running)];
        int[] left = DemoProcesses.StartedFrom(directory);

        // Whatever outlived the demo is killed before the test fails, so a failing run leaves nothing behind either.
        foreach (int pid in outlived.Concat(left))
        {
            Kill(pid);
        }

        Assert.True(outlived.Length == 0, $"pids {string.Join(", ", outlived)} outlived the demo");
        Assert.True(left.Length == 0, $"processes started from {directory} outlived the demo: {string.Join(", ", left)}");
        Assert.False(Directory.Exists(directory), $"the demo's directory {directory} is still there");
    }

    private static void Kill(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone meanwhile.
        }
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

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Spindle.Render.Tests.Support;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Render.Tests;

/// <summary><c>spindle render --cluster</c>, run as the real program against a real nats-server and two real agents.</summary>
[Collection(TwoAgents.Collection)]
public sealed partial class ClusterRenderCommandTests(TwoAgents cluster) : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("spindle-cluster-render-tests-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Render_ClusterWithCrashFrame_WritesTheBytesOfALocalRenderAndNamesWhereEachFrameRan()
    {
        string local = Path.Combine(_directory.FullName, "local.png");
        string remote = Path.Combine(_directory.FullName, "remote.png");
        string[] render = ["render", "--frames", "4", "--width", "40", "--height", "30", "--crash-frame", "1"];

        (await SpindleAsync([.. render, "--out", local])).EnsureSuccess();
        ChildResult run = (await SpindleAsync([.. render, .. cluster.RenderOptions(), "--out", remote])).EnsureSuccess();

        Assert.Equal(File.ReadAllBytes(local), File.ReadAllBytes(remote));
        Dictionary<int, (string Agent, string Line)> frames = FrameLines(run.Output);
        Assert.Equal([0, 1, 2, 3], frames.Keys.Order());
        Assert.All(frames.Values, f => Assert.Contains(f.Agent, cluster.Names));
        Assert.Contains("(attempt 2: the first attempt's worker crashed)", frames[1].Line, StringComparison.Ordinal);
        Assert.Contains(run.Output, line => line.Contains("crashes survived", StringComparison.Ordinal) && line.Contains(" 1 ", StringComparison.Ordinal));
        Assert.Contains(run.Output, line => line.Contains($"cluster '{cluster.Cluster}'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Render_ClusterWithNoAgent_FailsSayingSoAndHowToStartOne()
    {
        string output = Path.Combine(_directory.FullName, "never");
        ChildResult run = await SpindleAsync("render", "--frames", "2", "--cluster", cluster.Server.Url, "--cluster-name", "nobody" + Guid.NewGuid().ToString("N")[..8],
            "--user", cluster.Server.User, "--password", cluster.Server.Password, "--out", output);

        AssertFailure(run, 1, "No spindle agent serves cluster");
        Assert.Contains("spindle agent --server", string.Join('\n', run.Errors), StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "the failed render left its empty output folder");
    }

    [Fact]
    public async Task Render_ClusterRefusesTheCredentials_FailsNamingTheOptionToCheck()
    {
        ChildResult run = await SpindleAsync("render", "--frames", "2", "--cluster", cluster.Server.Url, "--cluster-name", cluster.Cluster,
            "--user", cluster.Server.User, "--password", "wrong", "--out", Path.Combine(_directory.FullName, "never"));

        AssertFailure(run, 1, "--user");
        Assert.Contains("--cluster", string.Join('\n', run.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_ClusterNobodyListensOn_FailsNamingTheServerAndTheOption()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        ChildResult run = await SpindleAsync("render", "--frames", "2", "--cluster", $"nats://127.0.0.1:{port}", "--out", Path.Combine(_directory.FullName, "never"));

        AssertFailure(run, 1, "--cluster");
        Assert.Contains($"127.0.0.1:{port}", string.Join('\n', run.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--cluster", "--cluster", "http://host:4222")]
    [InlineData("--cluster", "--cluster", "nats://")]
    [InlineData("--cluster-name", "--cluster", "nats://127.0.0.1:4222", "--cluster-name", "no spaces")]
    [InlineData("--cluster-name", "--cluster-name", "other")]
    [InlineData("--user", "--user", "someone")]
    [InlineData("--password", "--cluster", "nats://127.0.0.1:4222", "--user", "someone")]
    [InlineData("--token", "--cluster", "nats://127.0.0.1:4222", "--token", "t", "--user", "u", "--password", "p")]
    [InlineData("--creds", "--cluster", "nats://127.0.0.1:4222", "--creds", "/no/such/file.creds")]
    [InlineData("--isolation", "--cluster", "nats://127.0.0.1:4222", "--isolation", "thread")]
    public async Task Render_BadClusterOption_FailsNamingTheOptionBeforeConnecting(string named, params string[] options)
    {
        ChildResult run = await SpindleAsync(["render", "--frames", "2", .. options, "--out", Path.Combine(_directory.FullName, "never")]);

        AssertFailure(run, 2, named);
        Assert.False(Directory.Exists(Path.Combine(_directory.FullName, "never")));
    }

    /// <summary>Each <c>frame N → AGENT pid PID</c> line, by frame index.</summary>
    internal static Dictionary<int, (string Agent, string Line)> FrameLines(IEnumerable<string> output) =>
        output.Select(line => (Line: line, Match: FrameLine().Match(line)))
            .Where(x => x.Match.Success)
            .ToDictionary(x => int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), x => (x.Match.Groups[2].Value, x.Line));

    internal static void AssertFailure(ChildResult run, int exitCode, string named)
    {
        string all = run.Transcript();
        Assert.True(run.ExitCode == exitCode, $"exit code {run.ExitCode}, expected {exitCode}:\n{all}");
        Assert.Contains(named, string.Join('\n', run.Errors), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^  frame (\d+) → (\S+) pid \d+")]
    private static partial Regex FrameLine();

    private Task<ChildResult> SpindleAsync(params string[] arguments) =>
        ChildProcess.RunAsync(Dotnet.Muxer, [Repository.SampleProgram("Spindle.Cli"), .. arguments], Timeouts.ProgramRun, _directory.FullName);
}

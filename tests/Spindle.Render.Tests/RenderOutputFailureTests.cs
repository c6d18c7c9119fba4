using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Render.Tests;

/// <summary>
/// <c>spindle render</c> when its files cannot be written (a full disk, a directory where a file goes, another run
/// writing the same folder) and when the render itself fails: one line on stderr, the documented exit code, and the
/// output folder as it was, with no staged file and no empty folder left behind.
/// </summary>
public sealed class RenderOutputFailureTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("spindle-render-output-tests-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Render_DirectoryAtAFrameFileName_IsRefusedNamingOutBeforeRendering()
    {
        string output = EarlierRun("out");
        string inTheWay = Directory.CreateDirectory(Path.Combine(output, "frames", "frame-0001.png")).FullName;

        ChildResult run = await SpindleAsync("render", "--frames", "2", "--width", "16", "--height", "16", "--frames-png", "--out", output);

        AssertOneLineFailure(run, 2, "--out");
        Assert.Contains(inTheWay, string.Join('\n', run.Errors), StringComparison.Ordinal);
        Assert.DoesNotContain(run.Output, line => line.Contains("Rendering", StringComparison.Ordinal));
        AssertEarlierRunKept(output, "frames");
        Assert.Equal([inTheWay], Directory.GetFileSystemEntries(Path.Combine(output, "frames")));
    }

    [Fact]
    public async Task Render_DirectoryAtTheMp4Name_IsRefusedNamingOutBeforeRendering()
    {
        string output = EarlierRun("out");
        string inTheWay = Directory.CreateDirectory(Path.Combine(output, "animation.mp4")).FullName;

        // A stand-in ffmpeg that would write a valid file: only the directory in the way may stop the render.
        ChildResult run = await SpindleAsync(WithFakeFfmpeg("exit 0"), "render", "--frames", "2", "--width", "16", "--height", "16", "--out", output);

        AssertOneLineFailure(run, 2, "--out");
        Assert.Contains(inTheWay, string.Join('\n', run.Errors), StringComparison.Ordinal);
        AssertEarlierRunKept(output, "animation.mp4");
    }

    [Fact]
    public async Task Render_DirectoryAppearsAtAFinalNameWhileWriting_MovesNothingIntoPlace()
    {
        // The directory appears after the check before rendering: while ffmpeg, the last writer, runs.
        string output = EarlierRun("out");
        string inTheWay = Path.Combine(output, "frames", "frame-0001.png");

        ChildResult run = await SpindleAsync(WithFakeFfmpeg($"mkdir '{inTheWay}'"), "render", "--frames", "2", "--width", "16", "--height", "16", "--frames-png", "--out", output);

        AssertOneLineFailure(run, 2, $"cannot write {inTheWay}");
        AssertEarlierRunKept(output, "frames");
        Assert.Equal([inTheWay], Directory.GetFileSystemEntries(Path.Combine(output, "frames")));
    }

    [UserNamespaceFact]
    public async Task Render_DiskFull_FailsInOneLineAndLeavesNoStagedFile()
    {
        // A 32 KiB tmpfs of its own (a user and mount namespace): room for the checks, not for the animation and frames.
        string mount = Directory.CreateDirectory(Path.Combine(_directory.FullName, "small")).FullName;
        const string Script = "mount=$1; shift; mount -t tmpfs -o size=32k tmpfs \"$mount\" || exit 99; \"$@\"; code=$?; echo \"left: [$(find \"$mount\" -mindepth 1 | tr '\\n' ' ')]\"; exit $code";
        ChildResult run = await ChildProcess.RunAsync(
            "unshare",
            ["-rm", "sh", "-c", Script, "sh", mount, Dotnet.Muxer, Repository.SampleProgram("Spindle.Cli"),
                "render", "--frames", "8", "--width", "96", "--height", "72", "--workers", "2", "--frames-png", "--out", Path.Combine(mount, "out")],
            Timeouts.ProgramRun, _directory.FullName);

        AssertOneLineFailure(run, 2, "cannot write");
        // .NET says "the disk was full" when it could not reserve a file's size up front, the system's words otherwise.
        Assert.Matches("No space left on device|the disk was full", string.Join('\n', run.Errors));
        string left = run.Output.Single(line => line.StartsWith("left: ", StringComparison.Ordinal));
        Assert.DoesNotContain(".png", left, StringComparison.Ordinal);
        Assert.DoesNotContain(".mp4", left, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_TwoRunsIntoOneFolderAtOnce_BothSucceedAndLeaveNoStagedFile()
    {
        string output = Path.Combine(_directory.FullName, "shared");
        string[] render = ["render", "--frames", "12", "--width", "48", "--height", "36", "--workers", "1", "--frames-png", "--out", output];

        ChildResult[] runs = await Task.WhenAll(SpindleAsync(render), SpindleAsync(render));

        Assert.All(runs, run => run.EnsureSuccess());
        Assert.Equal(12, Support.ApngReader.Decode(File.ReadAllBytes(Path.Combine(output, "animation.png"))).AnimationFrames);
        Assert.Equal(12, Directory.GetFiles(Path.Combine(output, "frames")).Length);
        Assert.Empty(Directory.GetFiles(output, ".*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Render_ThreadRunDied_LeavesNoEmptyOutputFolder()
    {
        string output = Path.Combine(_directory.FullName, "died", "out");

        ChildResult run = await SpindleAsync("render", "--isolation", "thread", "--crash-frame", "3", "--frames", "6", "--width", "16", "--height", "16", "--out", output);

        Assert.True(run.ExitCode == 3, run.Transcript());
        Assert.False(Directory.Exists(Path.Combine(_directory.FullName, "died")), "the render made the output's folders and left them empty");
    }

    [Fact]
    public async Task Render_OutputNameTooLong_LeavesNoFolderItMade()
    {
        string output = Path.Combine(_directory.FullName, "n1", "n2", new string('n', 300));

        ChildResult run = await SpindleAsync("render", "--frames", "2", "--out", output);

        AssertOneLineFailure(run, 2, "--out");
        Assert.False(Directory.Exists(Path.Combine(_directory.FullName, "n1")), "n1/n2 were made for the output and left behind");
    }

    [Fact]
    public async Task Render_OneFrameWithFramesPng_SaysFrameInTheSingular()
    {
        ChildResult run = (await SpindleAsync("render", "--frames", "1", "--width", "16", "--height", "16", "--frames-png", "--out", Path.Combine(_directory.FullName, "one"))).EnsureSuccess();

        Assert.Contains(run.Output, line => line.Contains("1 PNG frame ", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Output, line => line.Contains("1 PNG frames", StringComparison.Ordinal));
    }

    private string EarlierRun(string name)
    {
        string output = Directory.CreateDirectory(Path.Combine(_directory.FullName, name)).FullName;
        File.WriteAllText(Path.Combine(output, "animation.png"), "an earlier run's animation");
        return output;
    }

    /// <summary>The earlier run's animation is unchanged, and besides it only <paramref name="alsoThere"/> and no staged file.</summary>
    private static void AssertEarlierRunKept(string output, string alsoThere)
    {
        Assert.Equal("an earlier run's animation", File.ReadAllText(Path.Combine(output, "animation.png")));
        Assert.Equal(new[] { "animation.png", alsoThere }.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(output, ".*", SearchOption.AllDirectories));
    }

    /// <summary>A PATH whose only ffmpeg is a script that reads the frames, runs <paramref name="action"/>, and writes its output file.</summary>
    private Dictionary<string, string?> WithFakeFfmpeg(string action)
    {
        string bin = Directory.CreateDirectory(Path.Combine(_directory.FullName, "bin")).FullName;
        string fake = Path.Combine(bin, "ffmpeg");
        File.WriteAllText(fake, $"#!/bin/sh\nPATH=/usr/bin:/bin\nfor last; do :; done\ncat > /dev/null\n{action}\nprintf mp4 > \"$last\"\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new Dictionary<string, string?> { ["PATH"] = bin };
    }

    internal static void AssertOneLineFailure(ChildResult run, int exitCode, string expected)
    {
        string all = run.Transcript();
        Assert.True(run.ExitCode == exitCode, $"exit {run.ExitCode}, expected {exitCode}\n{all}");
        string error = Assert.Single(run.Errors, line => line.Length > 0);
        Assert.StartsWith("spindle ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);
    }

    private Task<ChildResult> SpindleAsync(params string[] arguments) => SpindleAsync(null, arguments);

    private Task<ChildResult> SpindleAsync(Dictionary<string, string?>? environment, params string[] arguments) =>
        ChildProcess.RunAsync(Dotnet.Muxer, [Repository.SampleProgram("Spindle.Cli"), .. arguments], Timeouts.ProgramRun, _directory.FullName, environment);
}

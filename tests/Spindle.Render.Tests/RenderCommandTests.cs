using Spindle.Render.Tests.Support;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Render.Tests;

/// <summary>The <c>spindle render</c> command, run as the real program.</summary>
public sealed class RenderCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("spindle-render-tests-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Render_TinyAnimation_WritesAnApngAndPngFramesAndASummary()
    {
        string output = Path.Combine(_directory.FullName, "out");

        ChildResult run = (await SpindleAsync("render", "--frames", "4", "--width", "40", "--height", "30", "--workers", "2", "--frames-png", "--out", output)).EnsureSuccess();

        DecodedPng animation = ApngReader.Decode(File.ReadAllBytes(Path.Combine(output, "animation.png")));
        Assert.Equal(4, animation.AnimationFrames);
        string[] framePaths = Directory.GetFiles(Path.Combine(output, "frames"), "*.png").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(4, framePaths.Length);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(animation.Frames[i], Assert.Single(ApngReader.Decode(File.ReadAllBytes(framePaths[i])).Frames));
        }

        string text = string.Join('\n', run.Output);
        Assert.Contains("crashes survived", text, StringComparison.Ordinal);
        Assert.Contains("animation.png", text, StringComparison.Ordinal);
        Assert.Contains("pid ", text, StringComparison.Ordinal);
        Assert.Contains("MP4", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_CrashFrameWithProcesses_SurvivesAndMatchesACleanRun()
    {
        string clean = Path.Combine(_directory.FullName, "clean.png");
        string crashed = Path.Combine(_directory.FullName, "crashed.png");

        (await SpindleAsync("render", "--frames", "4", "--width", "40", "--height", "30", "--out", clean)).EnsureSuccess();
        ChildResult run = (await SpindleAsync("render", "--frames", "4", "--width", "40", "--height", "30", "--crash-frame", "1", "--out", crashed)).EnsureSuccess();

        Assert.Equal(File.ReadAllBytes(clean), File.ReadAllBytes(crashed));
        Assert.Contains(run.Output, line => line.Contains("crashes survived", StringComparison.Ordinal) && line.Contains(" 1 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Render_CrashFrameWithThreads_ReportsTheDeathInsteadOfDying()
    {
        string output = Path.Combine(_directory.FullName, "threads.png");

        ChildResult run = await SpindleAsync("render", "--frames", "4", "--width", "40", "--height", "30", "--isolation", "thread", "--crash-frame", "2", "--out", output);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("the run died with SIGSEGV after", string.Join(' ', run.Output), StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("--frames", "0")]
    [InlineData("--frames", "100000")]
    [InlineData("--width", "2")]
    [InlineData("--height", "99999")]
    [InlineData("--workers", "0")]
    [InlineData("--crash-frame", "9")]
    [InlineData("--isolation", "fibers")]
    [InlineData("--scene", "teapot")]
    [InlineData("--frames", "many")]
    public async Task Render_OutOfRangeOption_FailsNamingTheOptionWithoutAStackTrace(string option, string value)
    {
        string[] frames = option == "--frames" ? [] : ["--frames", "6"];
        ChildResult run = await SpindleAsync(["render", .. frames, option, value, "--out", Path.Combine(_directory.FullName, "never")]);

        AssertCleanFailure(run, option);
        Assert.False(Directory.Exists(Path.Combine(_directory.FullName, "never")));
    }

    [Fact]
    public async Task Render_UnwritableOutput_FailsNamingOutBeforeRendering()
    {
        string aFile = Path.Combine(_directory.FullName, "a-file");
        File.WriteAllText(aFile, "not a directory");

        ChildResult run = await SpindleAsync("render", "--frames", "2", "--out", Path.Combine(aFile, "inside", "movie.png"));

        AssertCleanFailure(run, "--out");
        Assert.DoesNotContain(run.Output, line => line.Contains("Rendering", StringComparison.Ordinal));
    }

    private static void AssertCleanFailure(ChildResult run, string option)
    {
        string all = run.Transcript();
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(option, string.Join('\n', run.Errors), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);
    }

    private Task<ChildResult> SpindleAsync(params string[] arguments) =>
        ChildProcess.RunAsync(Dotnet.Muxer, [Repository.SampleProgram("Spindle.Cli"), .. arguments], Timeouts.ProgramRun, _directory.FullName);
}

using System.Diagnostics;
using Spindle.Render.Tests.Support;
using Spindle.Tests.Support;
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
    [InlineData("--crash-frame", "abc")]
    [InlineData("--isolation", "fibers")]
    [InlineData("--scene", "teapot")]
    [InlineData("--frames", "many")]
    [InlineData("--no-such-option", "1")]
    public async Task Render_OutOfRangeOption_FailsNamingTheOptionWithoutAStackTrace(string option, string value)
    {
        string[] frames = option == "--frames" ? [] : ["--frames", "6"];
        ChildResult run = await SpindleAsync(["render", .. frames, option, value, "--out", Path.Combine(_directory.FullName, "never")]);

        AssertCleanFailure(run, option);
        Assert.False(Directory.Exists(Path.Combine(_directory.FullName, "never")));
    }

    [Fact]
    public async Task Render_MoreFramesThanMemoryHolds_IsRefusedBeforeRenderingNamingTheOptionsAndTheMemory()
    {
        // 10,000 frames of 4096 x 4096 keep 625 GiB of pixels until the animation is written.
        string output = Path.Combine(_directory.FullName, "never");
        ChildResult run = await SpindleAsync(["render", "--frames", "10000", "--width", "4096", "--height", "4096", "--out", output]);

        AssertCleanFailure(run, "--frames 10000");
        Assert.Contains(run.Errors, line => line.Contains("625 GiB of pixels", StringComparison.Ordinal));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Render_Mp4_IsWrittenThroughFfmpegOnThePathOrSaidToBeSkipped()
    {
        // Without ffmpeg on the PATH (an empty folder): the summary says so, and the APNG is still written.
        string emptyFolder = Directory.CreateDirectory(Path.Combine(_directory.FullName, "empty-path")).FullName;
        string without = Path.Combine(_directory.FullName, "without.png");
        ChildResult skipped = (await ChildProcess.RunAsync(
            Dotnet.Muxer, [Repository.SampleProgram("Spindle.Cli"), "render", "--frames", "3", "--width", "33", "--height", "17", "--out", without],
            Timeouts.ProgramRun, _directory.FullName, new Dictionary<string, string?> { ["PATH"] = emptyFolder })).EnsureSuccess();
        Assert.Contains(skipped.Output, line => line.Contains("skipped: ffmpeg is not on the PATH", StringComparison.Ordinal));
        Assert.True(File.Exists(without));
        Assert.False(File.Exists(Path.ChangeExtension(without, ".mp4")));

        // With ffmpeg (this machine's, when installed): a real H.264 file with every frame, odd sizes trimmed to even.
        if (Spindle.Render.Video.FfmpegExport.FindFfmpeg() is { } ffmpeg)
        {
            string with = Path.Combine(_directory.FullName, "with.png");
            ChildResult written = (await SpindleAsync("render", "--frames", "3", "--width", "33", "--height", "17", "--out", with)).EnsureSuccess();
            Assert.Contains(written.Output, line => line.Contains("MP4 (ffmpeg)", StringComparison.Ordinal));
            string ffprobe = Path.Combine(Path.GetDirectoryName(ffmpeg)!, "ffprobe");
            ChildResult probe = (await ChildProcess.RunAsync(
                ffprobe, ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", Path.ChangeExtension(with, ".mp4")],
                Timeouts.ProgramRun, _directory.FullName)).EnsureSuccess();
            Assert.Equal("h264,32,16,3", Assert.Single(probe.Output));
        }
    }

    [Fact]
    public async Task Render_StdoutRedirected_WritesNoEscapeCodesAndNoProgressBar()
    {
        // A colour terminal's TERM and no NO_COLOR: only the redirection itself may turn the colours off.
        ChildResult run = (await ChildProcess.RunAsync(
            Dotnet.Muxer, [Repository.SampleProgram("Spindle.Cli"), "render", "--frames", "4", "--width", "40", "--height", "30", "--out", Path.Combine(_directory.FullName, "plain.png")],
            Timeouts.ProgramRun, _directory.FullName, new Dictionary<string, string?> { ["TERM"] = "xterm-256color", ["NO_COLOR"] = null })).EnsureSuccess();

        string all = run.Transcript();
        Assert.DoesNotContain("\u001b", all, StringComparison.Ordinal);
        Assert.Contains(run.Output, line => line.Contains("4/4 frames ·", StringComparison.Ordinal));
        Assert.Contains("crashes survived", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_CrashFrameWithDefaultFrameCount_IsCheckedAgainstTheDefault()
    {
        ChildResult beyond = await SpindleAsync("render", "--crash-frame", "48", "--out", Path.Combine(_directory.FullName, "never"));
        ChildResult within = await SpindleAsync("render", "--crash-frame", "47", "--width", "16", "--height", "12", "--out", Path.Combine(_directory.FullName, "tiny.png"));

        AssertCleanFailure(beyond, "--crash-frame");
        Assert.Contains("--frames is 48", string.Join('\n', beyond.Errors), StringComparison.Ordinal);
        within.EnsureSuccess();
        Assert.Equal(48, ApngReader.Decode(File.ReadAllBytes(Path.Combine(_directory.FullName, "tiny.png"))).AnimationFrames);
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

    [Fact]
    public async Task Render_CtrlC_CancelsStopsItsWorkersAndWritesNothing()
    {
        string output = Path.Combine(_directory.FullName, "cancelled.png");
        var start = new ProcessStartInfo(Dotnet.Muxer) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _directory.FullName };
        foreach (string argument in new[] { Repository.SampleProgram("Spindle.Cli"), "render", "--frames", "400", "--width", "320", "--height", "180", "--out", output })
        {
            start.ArgumentList.Add(argument);
        }

        using Process spindle = Process.Start(start)!;
        try
        {
            Task<string> errors = spindle.StandardError.ReadToEndAsync();
            while (await spindle.StandardOutput.ReadLineAsync().WaitAsync(Bounded.Unexpected) is { } line && !line.Contains("frames ·", StringComparison.Ordinal))
            {
            }

            int[] workers = ChildrenOf(spindle.Id);
            Assert.NotEmpty(workers);
            Signals.Send(spindle.Id, Signals.Interrupt);
            await spindle.WaitForExitAsync().WaitAsync(Bounded.Unexpected);

            Assert.Equal(130, spindle.ExitCode);
            Assert.Contains("cancelled", await errors.WaitAsync(Bounded.Unexpected), StringComparison.Ordinal);
            Assert.False(File.Exists(output));
            Assert.All(workers, pid => Assert.False(Running(pid), $"worker {pid} outlived the cancelled render"));
        }
        finally
        {
            if (!spindle.HasExited)
            {
                spindle.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Render_CtrlCWhileWritingFiles_KillsFfmpegRemovesWhatItWroteAndKeepsEarlierFiles()
    {
        // An earlier run's animation and a file of the user's, both to be left as they are.
        string output = Path.Combine(_directory.FullName, "out");
        Directory.CreateDirectory(output);
        byte[] earlier = "an earlier run's animation"u8.ToArray();
        File.WriteAllBytes(Path.Combine(output, "animation.png"), earlier);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");

        // A stand-in for ffmpeg, the only program on the PATH: it starts the MP4, says it runs, and never finishes, so
        // the signal lands while the files are being written, every time. The frames overfill its unread pipe.
        string bin = Directory.CreateDirectory(Path.Combine(_directory.FullName, "bin")).FullName;
        string pidFile = Path.Combine(_directory.FullName, "ffmpeg.pid");
        string fake = Path.Combine(bin, "ffmpeg");
        File.WriteAllText(fake, $"#!/bin/sh\nPATH=/usr/bin:/bin\nfor last; do :; done\nprintf partial > \"$last\"\necho $$ > '{pidFile}'\nexec sleep 600\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var start = new ProcessStartInfo(Dotnet.Muxer) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _directory.FullName };
        start.Environment["PATH"] = bin;
        foreach (string argument in new[] { Repository.SampleProgram("Spindle.Cli"), "render", "--frames", "8", "--width", "160", "--height", "120", "--workers", "2", "--frames-png", "--out", output })
        {
            start.ArgumentList.Add(argument);
        }

        using Process spindle = Process.Start(start)!;
        int ffmpeg = 0;
        try
        {
            Task<string> errors = spindle.StandardError.ReadToEndAsync();
            Task<string> lines = spindle.StandardOutput.ReadToEndAsync();
            await WaitUntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n'), "the stand-in ffmpeg to start");
            ffmpeg = int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture);

            Signals.Send(spindle.Id, Signals.Interrupt);
            await spindle.WaitForExitAsync().WaitAsync(Bounded.Unexpected);

            string stderr = await errors.WaitAsync(Bounded.Unexpected);
            Assert.True(spindle.ExitCode == 130, $"exit {spindle.ExitCode}\n{stderr}\n{await lines.WaitAsync(Bounded.Unexpected)}");
            Assert.Contains("cancelled; nothing was written", stderr, StringComparison.Ordinal);
            Assert.False(Running(ffmpeg), "ffmpeg outlived the cancelled render");
            Assert.Equal(earlier, File.ReadAllBytes(Path.Combine(output, "animation.png")));
            Assert.Equal(["animation.png", "notes.txt"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            if (!spindle.HasExited)
            {
                spindle.Kill(entireProcessTree: true);
            }

            if (ffmpeg != 0 && Running(ffmpeg))
            {
                using Process left = Process.GetProcessById(ffmpeg);
                left.Kill();
            }
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <see cref="Bounded.Unexpected"/>.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Bounded.Unexpected)
            {
                throw new TimeoutException($"Timed out after {Bounded.Unexpected.TotalSeconds} s waiting until {what}.");
            }

            await Task.Delay(50);
        }
    }

    private static int[] ChildrenOf(int processId) =>
        Directory.GetDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(name => int.Parse(name!, System.Globalization.CultureInfo.InvariantCulture))
            .Where(pid => ParentOf(pid) == processId)
            .ToArray();

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

    private static int ParentOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static void AssertCleanFailure(ChildResult run, string option)
    {
        string all = run.Transcript();
        Assert.True(run.ExitCode == 2, all);
        Assert.Contains(option, string.Join('\n', run.Errors), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", all, StringComparison.Ordinal);
    }

    private Task<ChildResult> SpindleAsync(params string[] arguments) =>
        ChildProcess.RunAsync(Dotnet.Muxer, [Repository.SampleProgram("Spindle.Cli"), .. arguments], Timeouts.ProgramRun, _directory.FullName);
}

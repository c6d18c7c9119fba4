using System.Diagnostics;
using Spindle.Lab.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Lab.Tests.Cli;

/// <summary>
/// The lab's report is written whole or not at all: a report that cannot be written, or a run stopped by Ctrl+C, ends
/// with one line on stderr and the documented exit code, and leaves the folder as it was.
/// </summary>
[Collection(QuickLabCollection.Name)]
public sealed class ReportWriteTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private readonly string _directory = Directory.CreateTempSubdirectory("lab-report-write-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task DirectoryAtReportHtml_NamesItStillPrintsTheTable_AndKeepsTheEarlierReport()
    {
        string output = Directory.CreateDirectory(Path.Combine(_directory, "out")).FullName;
        File.WriteAllText(Path.Combine(output, "report.json"), "an earlier report");
        string inTheWay = Directory.CreateDirectory(Path.Combine(output, "report.html")).FullName;

        CommandResult run = await SpindleCommand.RunAsync(Limit, null, "lab", "--quick", "--only", "isolation", "--out", output);

        Assert.True(run.ExitCode == 2, run.All);
        Assert.Contains(inTheWay, run.All, StringComparison.Ordinal);
        Assert.Contains("Isolation", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.All, StringComparison.Ordinal);
        Assert.Equal("an earlier report", File.ReadAllText(Path.Combine(output, "report.json")));
        Assert.Equal(["report.html", "report.json"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [UserNamespaceFact]
    public async Task DiskFull_FailsInOneLineNamingTheFile_AndLeavesNoReport()
    {
        // An 8 KiB tmpfs of its own (a user and mount namespace): room for the check, not for a report.
        string mount = Directory.CreateDirectory(Path.Combine(_directory, "small")).FullName;
        const string Script = "mount=$1; shift; mount -t tmpfs -o size=8k tmpfs \"$mount\" || exit 99; \"$@\"; code=$?; echo \"left: [$(find \"$mount\" -mindepth 1 | tr '\\n' ' ')]\"; exit $code";

        CommandResult run = await SpindleCommand.RunUnderAsync(Limit, null, ["unshare", "-rm", "sh", "-c", Script, "sh", mount], "lab", "--quick", "--only", "isolation", "--out", Path.Combine(mount, "out"));

        Assert.True(run.ExitCode == 2, run.All);
        string error = Assert.Single(run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"spindle lab: cannot write {Path.Combine(mount, "out", "report.")}", error, StringComparison.Ordinal);
        // .NET says "the disk was full" when it could not reserve a file's size up front, the system's words otherwise.
        Assert.Matches("No space left on device|the disk was full", error);
        Assert.DoesNotContain("Exception", run.All, StringComparison.Ordinal);
        Assert.Contains($"left: []", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlC_ExitsInterruptedSayingSo_AndWritesNothing()
    {
        string output = Path.Combine(_directory, "interrupted");
        using Process lab = SpindleCommand.Start(null, [], "lab", "--quick", "--out", output);
        try
        {
            Task<string> errors = lab.StandardError.ReadToEndAsync();
            Task<string> lines = lab.StandardOutput.ReadToEndAsync();

            // Once a pool's worker process runs, the lab is measuring (past the machine probe, whose short-lived
            // children such as `python3 --version` may share the signal).
            await WaitUntilAsync(() => HasWorker(lab.Id), "the lab to start its first worker process");
            using (Process kill = Process.Start("kill", ["-INT", lab.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().WaitAsync(Bounded.Unexpected);
            }

            await lab.WaitForExitAsync().WaitAsync(Bounded.Unexpected);

            string stderr = await errors.WaitAsync(Bounded.Unexpected);
            Assert.True(lab.ExitCode == 130, $"exit {lab.ExitCode}\n{stderr}\n{await lines.WaitAsync(Bounded.Unexpected)}");
            Assert.Contains("spindle lab: interrupted", stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(output), "the interrupted lab left its output folder");
        }
        finally
        {
            if (!lab.HasExited)
            {
                lab.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Whether any of the process's threads (each lists its own children) has started a Spindle worker process.</summary>
    private static bool HasWorker(int pid) => Directory.GetDirectories($"/proc/{pid}/task").Any(thread =>
    {
        try
        {
            return File.ReadAllText(Path.Combine(thread, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Any(child => File.ReadAllText($"/proc/{child}/cmdline").Contains("Spindle.Worker", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            // The thread or the child ended between the listing and the read.
            return false;
        }
    });

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <see cref="Bounded.Unexpected"/>.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Bounded.Unexpected)
            {
                throw new TimeoutException($"Timed out after {Bounded.Unexpected.TotalSeconds} s waiting for {what}.");
            }

            await Task.Delay(50);
        }
    }
}

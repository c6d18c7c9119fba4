using System.Diagnostics;
using Spindle.Interop;
using Spindle.Shared;
using Spindle.Tests.Support;

namespace Spindle.Tests.Shared;

/// <summary>Shared memory that runs out, and a parent that dies while large values are crossing: real processes, a real small tmpfs.</summary>
[Collection(SerialCollection.Name)]
public class SharedMemoryFaultTests
{
    private static string TestParent => Path.Combine(AppContext.BaseDirectory, "Spindle.TestParent.dll");

    [UserNamespaceFact]
    public async Task SharedMemoryTooSmall_FailsTheCallAlone_NamingTheSizeAndTheFilesystem_AndThePoolServesOn()
    {
        // A user and mount namespace of its own, where /dev/shm is a 1 MiB tmpfs: the parent and its worker both see it.
        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /dev/shm && exec \"$0\" \"$@\"", "dotnet", TestParent, "shm-full"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SPINDLE_CROSS_MEMORY"] = "0"; // the shared-memory road, as where cross-memory copies are refused
        using Process parent = Process.Start(start)!;
        try
        {
            string output = await parent.StandardOutput.ReadToEndAsync().Within("the parent's report");
            string error = await parent.StandardError.ReadToEndAsync().Within("the parent's stderr");
            await parent.WaitForExitAsync().Within("the parent to finish");
            Assert.True(parent.ExitCode == 0, $"exit {parent.ExitCode}: {output}{error}");
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

            // 4 MiB of doubles plus a page of header, on each road.
            string argument = Assert.Single(lines, l => l.StartsWith("argument: ", StringComparison.Ordinal));
            Assert.Contains("Could not reserve 4,198,400 bytes of shared memory", argument, StringComparison.Ordinal);
            Assert.Contains("/dev/shm", argument, StringComparison.Ordinal);
            Assert.Contains("1,048,576", argument, StringComparison.Ordinal);
            string result = Assert.Single(lines, l => l.StartsWith("result: ", StringComparison.Ordinal));
            Assert.Contains("IOException", result, StringComparison.Ordinal);
            Assert.Contains("bytes of shared memory", result, StringComparison.Ordinal);
            Assert.Contains("No space left on device", result, StringComparison.Ordinal);
            Assert.Contains("after: 42", lines);
        }
        finally
        {
            if (!parent.HasExited)
            {
                parent.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task ParentKilledMidTransfer_NoSegmentOfTheParentOrItsWorkerRemains()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(TestParent);
        start.ArgumentList.Add("large-flood");
        start.Environment["SPINDLE_CROSS_MEMORY"] = "0"; // the shared-memory road, as where cross-memory copies are refused
        using Process parent = Process.Start(start)!;
        try
        {
            string? line = await parent.StandardOutput.ReadLineAsync().Within("the parent's and its worker's pids");
            int[] pids = [.. line!["pids ".Length..].Split(' ').Select(int.Parse)];
            await Bounded.Eventually(() => SharedSegments.HeldBy(pids[1]).Length > 0, "large values crossing in shared memory");
            parent.Kill(); // SIGKILL, mid-transfer: values cross back to back
            await parent.WaitForExitAsync().Within("the killed parent to be gone");
            await Bounded.Eventually(() => !Native.ProcessAlive(pids[1]), "the worker of the killed parent to exit");
            await Bounded.Eventually(() => Segments(pids).Length == 0, $"no segment of the parent or its worker left (still: {string.Join(", ", Segments(pids).Select(Path.GetFileName))})");
        }
        finally
        {
            if (!parent.HasExited)
            {
                parent.Kill();
            }
        }
    }

    private static string[] Segments(int[] pids) =>
        [.. pids.SelectMany(SharedSegments.NamedFor)];
}

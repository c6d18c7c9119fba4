using System.Diagnostics;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Faults;

/// <summary>
/// The private channel is two socket pairs whose other ends only the worker holds: there is no address another
/// process could connect to, no token to steal, and nothing a worker starts inherits it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class PrivateChannelTests
{
    [Fact]
    public async Task WorkerChannel_IsOnlyInTheWorker_NotInProgramsItStarts()
    {
        await using WorkerPool pool = TestPools.Process();
        (int pid, string[] own, string children) = await pool.RunAsync(() =>
        {
            string[] own = [new FileInfo("/proc/self/fd/3").LinkTarget ?? string.Empty, new FileInfo("/proc/self/fd/4").LinkTarget ?? string.Empty];
            using var shell = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "for f in /proc/$$/fd/*; do readlink $f; done"]) { RedirectStandardOutput = true })!;
            string listing = shell.StandardOutput.ReadToEnd();
            shell.WaitForExit();
            return (Environment.ProcessId, own, listing);
        }).Within("a call that lists descriptors");

        Assert.All(own, end => Assert.StartsWith("socket:", end, StringComparison.Ordinal));
        Assert.DoesNotContain("socket:", children, StringComparison.Ordinal);
        Assert.NotEqual(Environment.ProcessId, pid);
    }

    [Fact]
    public async Task WorkerEnvironment_HoldsNoSecret()
    {
        await using WorkerPool pool = TestPools.Process();
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("first call");

        // What the kernel keeps (and a worker's children inherit), not .NET's copy of the environment.
        string[] variables = File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        string[] spindle = [.. variables.Where(v => v.StartsWith("SPINDLE_", StringComparison.Ordinal))];
        Assert.NotEmpty(spindle);
        Assert.DoesNotContain(spindle, v => v.Contains("TOKEN", StringComparison.Ordinal));
        Assert.All(spindle, v => Assert.DoesNotMatch("[0-9A-Fa-f]{32}", v));
    }

    [Fact]
    public async Task OversizedMessages_AreRefusedAtBothEnds_WithoutHarmingTheWorker()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.MaxMessageBytes = 4096);
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("first call");

        var tooBigArgument = CallSite.Throws<ArgumentException>(() => pool.RunAsync(s => s.Length, new string('x', 10_000)));
        var tooBigResult = await Assert.ThrowsAsync<Spindle.RemoteException>(() => pool.RunAsync(() => new string('y', 10_000)).Within("oversized result"));

        Assert.Contains("MaxMessageBytes", tooBigArgument.Message, StringComparison.Ordinal);
        Assert.Contains("MaxMessageBytes", tooBigResult.Message, StringComparison.Ordinal);
        Assert.Equal(pid, await pool.RunAsync(() => Environment.ProcessId).Within("call after the refusals"));
    }
}

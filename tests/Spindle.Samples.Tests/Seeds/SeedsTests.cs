using System.Text.RegularExpressions;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Samples.Tests.Seeds;

/// <summary>samples/Seeds prints what the seeds' Python examples print, and runs its workers where Python would.</summary>
public partial class SeedsTests
{
    private static readonly string[] Numbers = ["0", "1", "2", "3", "4"];
    private static readonly string[] Workers = ["Worker: 0", "Worker: 1", "Worker: 2", "Worker: 3", "Worker: 4"];

    private static readonly Dictionary<string, string[]> PythonOutput = new()
    {
        ["process-numbers"] = Numbers,
        ["thread-numbers"] = [.. Numbers, .. Numbers],
        ["process-workers"] = Workers,
        ["thread-workers"] = Workers,
    };

    [Fact]
    public async Task ProcessNumbers_PrintsZeroToFourInOrder()
    {
        ChildResult run = (await SeedsProgram.RunAsync("process-numbers")).EnsureSuccess();

        Assert.Equal(Numbers, run.Output);
    }

    [Theory]
    [InlineData("thread-numbers")]
    [InlineData("process-workers")]
    [InlineData("thread-workers")]
    public async Task ConcurrentExample_PrintsThePythonLines(string example)
    {
        ChildResult run = (await SeedsProgram.RunAsync(example)).EnsureSuccess();

        AssertSameLines(PythonOutput[example], run.Output);
    }

    [Fact]
    public async Task All_PrintsEveryExampleUnderItsHeading()
    {
        ChildResult run = (await SeedsProgram.RunAsync()).EnsureSuccess();

        Dictionary<string, List<string>> sections = SplitByHeading(run.Output);
        Assert.Equal(PythonOutput.Keys, sections.Keys);
        Assert.Equal(Numbers, sections["process-numbers"]);
        foreach ((string example, string[] expected) in PythonOutput)
        {
            AssertSameLines(expected, sections[example]);
        }
    }

    [Theory]
    [InlineData("process-numbers", 1)]
    [InlineData("process-workers", 5)]
    public async Task ShowPids_ProcessExample_RunsEachWorkerInItsOwnProcess(string example, int workers)
    {
        ChildResult run = (await SeedsProgram.RunAsync(example, "--show-pids")).EnsureSuccess();

        (List<WorkerPid> pids, List<string> rest) = SplitPidLines(run.Output);
        Assert.Equal(workers, pids.Count);
        Assert.All(pids, p => Assert.Equal(run.ProcessId, p.Parent));
        Assert.All(pids, p => Assert.NotEqual(run.ProcessId, p.Pid));
        Assert.Equal(workers, pids.Select(p => p.Pid).Distinct().Count());
        AssertSameLines(PythonOutput[example], rest);
    }

    [Theory]
    [InlineData("thread-numbers", 2)]
    [InlineData("thread-workers", 5)]
    public async Task ShowPids_ThreadExample_RunsEveryWorkerInTheAppsProcess(string example, int workers)
    {
        ChildResult run = (await SeedsProgram.RunAsync(example, "--show-pids")).EnsureSuccess();

        (List<WorkerPid> pids, List<string> rest) = SplitPidLines(run.Output);
        Assert.Equal(workers, pids.Count);
        Assert.All(pids, p => Assert.Equal(run.ProcessId, p.Pid));
        Assert.All(pids, p => Assert.Equal(run.ProcessId, p.Parent));
        AssertSameLines(PythonOutput[example], rest);
    }

    [Fact]
    public async Task UnknownExample_ExitsWithUsage()
    {
        ChildResult run = await SeedsProgram.RunAsync("no-such-example");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Output);
        Assert.Contains(run.Errors, line => line.Contains("Usage: Seeds [process-numbers|thread-numbers|process-workers|thread-workers|all]", StringComparison.Ordinal));
    }

    /// <summary>Concurrent workers print in any order, as in Python: compare the lines, not their order.</summary>
    private static void AssertSameLines(IEnumerable<string> expected, IEnumerable<string> actual) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));

    private static Dictionary<string, List<string>> SplitByHeading(IReadOnlyList<string> output)
    {
        var sections = new Dictionary<string, List<string>>();
        List<string>? current = null;
        foreach (string line in output)
        {
            if (HeadingLine().Match(line) is { Success: true } heading)
            {
                current = [];
                sections.Add(heading.Groups["name"].Value, current);
            }
            else
            {
                Assert.True(current is not null, $"Output before the first heading: '{line}'");
                current.Add(line);
            }
        }

        return sections;
    }

    private static (List<WorkerPid> Pids, List<string> Others) SplitPidLines(IReadOnlyList<string> output)
    {
        var pids = new List<WorkerPid>();
        var rest = new List<string>();
        foreach (string line in output)
        {
            if (PidLine().Match(line) is { Success: true } match)
            {
                pids.Add(new WorkerPid(int.Parse(match.Groups["pid"].Value), int.Parse(match.Groups["parent"].Value)));
            }
            else
            {
                rest.Add(line);
            }
        }

        return (pids, rest);
    }

    [GeneratedRegex(@"^== (?<name>[a-z-]+): .+ ==$")]
    private static partial Regex HeadingLine();

    [GeneratedRegex(@"^pid (?<pid>\d+) \(parent pid (?<parent>\d+)\)$")]
    private static partial Regex PidLine();

    private sealed record WorkerPid(int Pid, int Parent);
}

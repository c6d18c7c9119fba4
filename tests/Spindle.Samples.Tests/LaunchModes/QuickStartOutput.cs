using System.Text.RegularExpressions;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Samples.Tests.LaunchModes;

/// <summary>What the README example (and samples/QuickStart) prints when its calls really ran in a worker process.</summary>
internal static partial class QuickStartOutput
{
    /// <summary>1² + 2² + … + 10,000², the example's MapAsync total.</summary>
    private const string SumOfSquares = "333383335000";

    /// <param name="run">The finished program.</param>
    /// <param name="startedDirectly">Whether <paramref name="run"/> is the app itself (not <c>dotnet run</c> around it).</param>
    public static void AssertRanInAWorkerProcess(ChildResult run, bool startedDirectly)
    {
        run.EnsureSuccess();
        Match line = run.Output.Count == 1 ? ResultLine().Match(run.Output[0]) : Match.Empty;
        Assert.True(line.Success, $"Expected one line 'parent P, worker W: 42, {SumOfSquares}' from `{run.Command}`.{Environment.NewLine}{run.Transcript()}");
        int parent = int.Parse(line.Groups["parent"].Value);
        int worker = int.Parse(line.Groups["worker"].Value);
        Assert.NotEqual(parent, worker);
        if (startedDirectly)
        {
            Assert.Equal(run.ProcessId, parent);
        }
    }

    [GeneratedRegex($@"^parent (?<parent>\d+), worker (?<worker>\d+): 42, {SumOfSquares}$")]
    private static partial Regex ResultLine();
}

using System.Text.RegularExpressions;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Samples.Tests.LaunchModes;

/// <summary>What samples/QuickStart prints when its calls really ran in a worker process.</summary>
internal static partial class QuickStartOutput
{
    private static readonly string[] Results = ["14 * 3 = 42", "squares: 1 4 9 16 25"];

    /// <param name="run">The finished program.</param>
    /// <param name="startedDirectly">Whether <paramref name="run"/> is the app itself (not <c>dotnet run</c> around it).</param>
    public static void AssertRanInAWorkerProcess(ChildResult run, bool startedDirectly)
    {
        run.EnsureSuccess();
        Assert.True(run.Output.Count == 3, $"Expected 3 lines from `{run.Command}`.{Environment.NewLine}{run.Transcript()}");
        Match pids = PidLine().Match(run.Output[0]);
        Assert.True(pids.Success, $"Expected 'app pid N, worker pid M' first.{Environment.NewLine}{run.Transcript()}");
        int app = int.Parse(pids.Groups["app"].Value);
        int worker = int.Parse(pids.Groups["worker"].Value);
        Assert.NotEqual(app, worker);
        if (startedDirectly)
        {
            Assert.Equal(run.ProcessId, app);
        }

        Assert.Equal(Results, run.Output.Skip(1));
    }

    [GeneratedRegex(@"^app pid (?<app>\d+), worker pid (?<worker>\d+)$")]
    private static partial Regex PidLine();
}

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Samples.Tests.Hosting;

/// <summary>samples/WorkerService as a service manager runs it: started, left to work, stopped with SIGTERM.</summary>
public sealed partial class WorkerServiceTests
{
    [Fact]
    public async Task Run_CountsPrimesInWorkerProcessesFromAppsettings_SigtermStopsItAndItsWorkers()
    {
        await using RunningProgram service = RunningProgram.StartSample("WorkerService");

        Match first = await service.WaitForLineAsync(PrimesLine(), "the first range counted");
        Match second = await service.WaitForLineAsync(SecondRange(), "the second range counted (appsettings.json asks for 2 workers)");
        int[] workers = [Pid(first), Pid(second)];
        Process[] workerProcesses = [.. workers.Distinct().Select(Process.GetProcessById)];
        int exitCode = await service.StopAsync();

        Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{service.Transcript()}");
        Assert.Equal("78498", first.Groups["primes"].Value);    // primes below 1,000,000: counted, not made up
        Assert.Equal("0", first.Groups["start"].Value);
        Assert.Equal(2, workers.Distinct().Count());
        Assert.DoesNotContain(service.ProcessId, workers);
        Assert.Contains(service.Output, line => line.Contains("Application is shutting down", StringComparison.Ordinal));
        Assert.All(workerProcesses, p => Assert.True(p.HasExited, $"worker process {p.Id} outlived the service"));
        Array.ForEach(workerProcesses, p => p.Dispose());
    }

    private static int Pid(Match line) => int.Parse(line.Groups["pid"].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(?<primes>\d+) primes in \[(?<start>[\d,]+), [\d,]+\), counted by worker process (?<pid>\d+)")]
    private static partial Regex PrimesLine();

    [GeneratedRegex(@"(?<primes>\d+) primes in \[1,000,000, 2,000,000\), counted by worker process (?<pid>\d+)")]
    private static partial Regex SecondRange();
}

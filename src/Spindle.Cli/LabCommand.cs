using System.CommandLine;
using Spectre.Console;
using Spindle.Cli.Output;
using Spindle.Lab.Compare;
using Spindle.Lab.Model;
using Spindle.Lab.Report;
using Spindle.Lab.Running;

namespace Spindle.Cli;

/// <summary>
/// <c>spindle lab</c>: measures the seeds' process-vs-thread comparison on this machine, prints the comparison table
/// with the numbers and a verdict per claim, and writes report.json and report.html. With <c>--compare a b</c> it
/// measures nothing and puts two such reports side by side instead.
/// </summary>
internal static class LabCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer repetitions and sizes: about 30 seconds instead of a few minutes." };
        var only = new Option<string[]>("--only")
        {
            Description = $"Run only these experiments (repeat the option or give a comma list): {string.Join(", ", LabRunner.ExperimentNames)}.",
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out") { Description = "Directory for report.json and report.html.", DefaultValueFactory = _ => "spindle-lab" };
        var noPython = new Option<bool>("--no-python") { Description = "Skip the Python peers even when python3 exists (their rows are marked not measured)." };
        var compare = new Option<string[]>("--compare")
        {
            Description = "Measure nothing: put two report.json files (two machines, or two runs) side by side with ratios, and write compare.html into --out.",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = true,
            HelpName = "a/report.json b/report.json",
        };
        only.Validators.Add(r =>
        {
            try
            {
                LabRunner.ValidateExperimentNames(r.GetValueOrDefault<string[]>() ?? []);
            }
            catch (ArgumentException e)
            {
                // The message names the option already; drop the " (Parameter '--only')" the exception appends.
                r.AddError(e.Message.Split(" (Parameter")[0]);
            }
        });
        var command = new Command("lab", "Measure processes against threads on this machine and judge the classic claims about them.") { quick, only, output, noPython, compare };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // The lab measures synchronously for long stretches: yield first, so the parser holds this action's task
            // at once. On Ctrl+C it waits for that task to end (here, with 130 and a message); with no task yet it
            // would end the process at once, saying nothing and removing nothing.
            await Task.Yield();
            try
            {
                if (parse.GetResult(compare) is not null)
                {
                    string[] measuring = [.. new Option[] { quick, only, noPython }.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name)];
                    return measuring.Length > 0
                        ? Usage($"--compare reads two reports and measures nothing: it cannot be combined with {string.Join(", ", measuring)}.")
                        : await CompareAsync(parse.GetValue(compare) ?? [], parse.GetValue(output)!, cancellationToken);
                }

                return await RunAsync(
                    new LabOptions { Quick = parse.GetValue(quick), Only = parse.GetValue(only) ?? [], NoPython = parse.GetValue(noPython) },
                    parse.GetValue(output)!,
                    cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine("spindle lab: interrupted; no report was written.");
                return ExitCodes.Interrupted;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(LabOptions options, string output, CancellationToken cancellationToken)
    {
        IAnsiConsole console = AnsiConsole.Console;
        string directory = Path.GetFullPath(output);
        string json = Path.Combine(directory, "report.json");
        string html = Path.Combine(directory, "report.html");
        var created = new CreatedDirectories();
        string? unwritable = CheckWritable(created, directory, json, html);
        if (unwritable is not null)
        {
            console.MarkupLine($"[red]--out {Markup.Escape(output)}: {Markup.Escape(unwritable)}[/] The lab still runs and prints its tables; no report files will be written.");
        }

        try
        {
            LabReport report = await console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(context => LabRunner.RunAsync(options, new SpectreProgress(context), cancellationToken));
            TerminalReport.Write(console, report);
            if (unwritable is not null)
            {
                console.MarkupLine($"[red]No report written: --out {Markup.Escape(output)} {Markup.Escape(unwritable)}[/]");
                return ExitCodes.Usage;
            }

            using (var staged = new StagedFiles())
            {
                await staged.WriteAsync(json, JsonReport.Serialize(report), cancellationToken);
                await staged.WriteAsync(html, HtmlReport.Render(report), cancellationToken);
                staged.Commit();
            }

            console.MarkupLine($"Lab finished in {report.Seconds:0} s. Wrote [blue]{Markup.Escape(json)}[/] and [blue]{Markup.Escape(html)}[/].");
            return 0;
        }
        catch (OutputWriteException e)
        {
            created.RemoveEmpty();
            return OutputFailed(e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            created.RemoveEmpty();
            throw;
        }
    }

    private static async Task<int> CompareAsync(string[] files, string output, CancellationToken cancellationToken)
    {
        if (files.Length != 2)
        {
            return Usage($"--compare needs two report.json files, got {files.Length}: spindle lab --compare a/report.json b/report.json");
        }

        MachineComparison comparison;
        try
        {
            comparison = await MachineComparison.LoadAsync(files[0], files[1], cancellationToken);
        }
        catch (InvalidReportException e)
        {
            return Usage($"--compare: {e.Message}");
        }

        IAnsiConsole console = AnsiConsole.Console;
        ComparisonTerminal.Write(console, comparison);
        string directory = Path.GetFullPath(output);
        string html = Path.Combine(directory, "compare.html");
        var created = new CreatedDirectories();
        if (CheckWritable(created, directory, html) is { } unwritable)
        {
            console.MarkupLine($"[red]No comparison written: --out {Markup.Escape(output)} {Markup.Escape(unwritable)}[/]");
            return ExitCodes.Usage;
        }

        try
        {
            using var staged = new StagedFiles();
            await staged.WriteAsync(html, ComparisonHtml.Render(comparison), cancellationToken);
            staged.Commit();
        }
        catch (OutputWriteException e)
        {
            created.RemoveEmpty();
            return OutputFailed(e);
        }

        console.MarkupLine($"Wrote [blue]{Markup.Escape(html)}[/].");
        return 0;
    }

    /// <summary>A report that could not be written: like an --out refused up front, with the usage code; nothing of it was written.</summary>
    private static int OutputFailed(OutputWriteException e)
    {
        Console.Error.WriteLine($"spindle lab: {e.Message}");
        return ExitCodes.Usage;
    }

    /// <summary>Bad input: says what is wrong on stderr, naming the option, and exits with the usage code.</summary>
    private static int Usage(string message)
    {
        Console.Error.WriteLine($"spindle lab: {message}");
        return ExitCodes.Usage;
    }

    /// <summary>
    /// Creates the directory (noting what it made in <paramref name="created"/>), proves a file can be written there and
    /// that no directory stands at a report's name; returns why not, or null.
    /// </summary>
    private static string? CheckWritable(CreatedDirectories created, string directory, params string[] files)
    {
        try
        {
            created.Create(directory);
            string probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}-{Random.Shared.Next():x8}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return files.FirstOrDefault(Directory.Exists) is { } blocked ? $"cannot be written ({blocked} is a directory)." : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            created.RemoveEmpty();
            return $"cannot be written ({e.Message}).";
        }
    }
}

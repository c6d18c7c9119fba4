using Spectre.Console;
using Spindle.Lab.Report;

namespace Spindle.Lab.Compare;

/// <summary>Prints two machines' lab reports side by side as Spectre.Console tables.</summary>
public static class ComparisonTerminal
{
    public const string TableTitle = "The seeds' comparison table on both machines";

    public const string NumbersTitle = "The numbers behind it, B against A";

    public const string ClaimsTitle = "Claims judged differently on the two machines";

    public static void Write(IAnsiConsole console, MachineComparison comparison)
    {
        console.MarkupLine("[bold]spindle lab: two machines side by side[/]");
        foreach (string machine in comparison.Machines)
        {
            console.MarkupLine(Markup.Escape(machine));
        }

        // Either may be empty (reports of runs limited with --only, or without verdicts): said, not drawn.
        WriteOrSay(console, TerminalReport.Plain(TableTitle, MachineComparison.TableColumns, comparison.Table), $"{TableTitle}: neither report judges a row of it.");
        WriteOrSay(console, TerminalReport.Plain(NumbersTitle, MachineComparison.NumberColumns, comparison.Numbers), $"{NumbersTitle}: no figure in either report.");
        console.MarkupLine(Markup.Escape(MachineComparison.RatioNote));
        if (TerminalReport.Plain(ClaimsTitle, MachineComparison.ClaimColumns, comparison.ClaimsJudgedDifferently) is { } claims)
        {
            console.Write(claims);
        }
        else
        {
            console.MarkupLine("Every claim of the seeds was judged the same on both machines.");
        }
    }

    private static void WriteOrSay(IAnsiConsole console, Spectre.Console.Rendering.IRenderable? table, string empty)
    {
        if (table is null)
        {
            console.MarkupLine(Markup.Escape(empty));
        }
        else
        {
            console.Write(table);
        }
    }
}

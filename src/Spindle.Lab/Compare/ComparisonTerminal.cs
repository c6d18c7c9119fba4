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

        console.Write(TerminalReport.Plain(TableTitle, MachineComparison.TableColumns, comparison.Table)!);
        console.Write(TerminalReport.Plain(NumbersTitle, MachineComparison.NumberColumns, comparison.Numbers)!);
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
}

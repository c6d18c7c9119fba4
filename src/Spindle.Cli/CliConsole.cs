using Spectre.Console;

namespace Spindle.Cli;

/// <summary>The console every command writes through: colours and live progress on a terminal, plain text anywhere else.</summary>
internal static class CliConsole
{
    /// <summary>
    /// Plain (no escape codes, no live progress) when stdout is a file or a pipe, when NO_COLOR is set, or when TERM
    /// is dumb. Spectre's own detection looks at TERM only, so <c>spindle lab &gt; out.txt</c> would carry colour codes.
    /// </summary>
    public static IAnsiConsole Create()
    {
        bool plain = Console.IsOutputRedirected
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            || string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        IAnsiConsole console = AnsiConsole.Create(plain
            ? new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No }
            : new AnsiConsoleSettings());
        if (Console.IsOutputRedirected && int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int columns) && columns >= 40)
        {
            // Redirected output has no window to measure; honour the width the caller asked for.
            console.Profile.Width = columns;
        }

        return console;
    }
}

namespace Spindle.Cli;

/// <summary>The exit codes every <c>spindle</c> command uses, so a script can tell bad input from a failed run.</summary>
internal static class ExitCodes
{
    /// <summary>A run that could not do its work (for example a frame whose worker crashed more often than it may be retried).</summary>
    public const int Failed = 1;

    /// <summary>Bad input, found by the parser or by a command: an unknown option, a bad or missing value, options that cannot be combined, an --out that cannot be written (found before the run, or when its files are written), a --port in use.</summary>
    public const int Usage = 2;

    /// <summary>A thread-isolated render whose process died (a crash in one thread ends every frame in flight).</summary>
    public const int RunDied = 3;

    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}

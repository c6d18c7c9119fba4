namespace Spindle.Cli;

/// <summary>
/// Cancelling from a signal handler. The runtime runs a signal's handlers one after another on one thread, from the
/// list registered when the signal came, so a handler may run after the command it served has ended and disposed its
/// source: the parser's own handler, when it runs first, waits for the command to end. Cancelling a disposed source
/// throws, and an exception on that thread aborts the process (exit 134 instead of the command's own code).
/// </summary>
internal static class SignalCancel
{
    public static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The command has ended: there is nothing left to stop.
        }
    }
}

using Spindle;
using Spindle.Processes;

namespace Spindle.Render;

/// <summary>
/// A thread-isolated render died: its frames shared one process, so one native crash ended all of them. The
/// other side of isolation's trade-off (with process isolation only the crashed frame is rendered again).
/// </summary>
public sealed class RenderRunDiedException : SpindleException
{
    /// <summary>Creates the exception from how the render's process ended.</summary>
    public RenderRunDiedException(WorkerExit exit, int framesDone, int framesTotal)
        : base(BuildMessage(exit, framesDone, framesTotal))
    {
        Exit = exit;
        FramesDone = framesDone;
        FramesTotal = framesTotal;
    }

    /// <summary>How the process ended (signal, exit code, cause, stderr tail).</summary>
    public WorkerExit Exit { get; }

    /// <summary>Frames finished before the run died.</summary>
    public int FramesDone { get; }

    /// <summary>Frames the run was to render.</summary>
    public int FramesTotal { get; }

    /// <summary>The signal's name (e.g. <c>SIGSEGV</c>), or null when the process exited with a code.</summary>
    public string? Signal => Exit.SignalName;

    private static string BuildMessage(WorkerExit exit, int framesDone, int framesTotal) =>
        $"the run died with {exit.SignalName ?? $"exit code {exit.ExitCode}"} after {framesDone} of {framesTotal} frames ({exit.Cause}). " +
        "Its worker threads shared one process, so one crash ended every frame in flight; with process isolation only the crashed frame is rendered again.";
}

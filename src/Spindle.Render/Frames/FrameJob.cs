using Spindle.Render.Png;
using Spindle.Render.Scenes;

namespace Spindle.Render.Frames;

/// <summary>The call a worker runs for one frame.</summary>
internal static class FrameJob
{
    /// <summary>
    /// What a cluster agent sets in its worker processes' environment: the agent's name (<c>spindle agent --name</c>).
    /// </summary>
    public const string AgentVariable = "SPINDLE_AGENT";

    /// <summary>Marks the attempt, crashes if this is the planned crash, then renders and compresses the frame.</summary>
    public static FrameOutput Render(FrameRequest request, CancellationToken cancellationToken)
    {
        // On this machine the run directory says which attempt this is (the pool retries the same request); on a
        // cluster the farm says it in the request, since another machine cannot see the run directory.
        int attempt;
        bool crash;
        if (request.RunDirectory is { } run)
        {
            attempt = RunMarkers.ClaimAttempt(run, request.Index);
            crash = request.CrashOnFirstAttempt && RunMarkers.ClaimCrash(run, request.Index);
        }
        else
        {
            attempt = request.Attempt;
            crash = request.CrashOnFirstAttempt && attempt == 1;
        }

        if (crash)
        {
            NativeCrash.Segfault();
        }

        byte[] rgba = FrameRenderer.Render(request.Scene, request.Index, request.Frames, request.Width, request.Height, cancellationToken);
        int worker = request.ThreadIsolation ? Environment.CurrentManagedThreadId : Environment.ProcessId;
        byte[] deflated = ApngEncoder.CompressFrame(rgba, request.Width, request.Height);
        if (request.RunDirectory is not null)
        {
            return new FrameOutput(rgba, deflated, worker, attempt, Agent: null);
        }

        // From another machine the pixels travel only as PNG image data, a tenth of their size through the broker; the
        // farm rebuilds the exact bytes (FrameInflater).
        return new FrameOutput([], deflated, worker, attempt, Environment.GetEnvironmentVariable(AgentVariable));
    }
}

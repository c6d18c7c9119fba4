using Spindle.Render.Png;
using Spindle.Render.Scenes;

namespace Spindle.Render.Frames;

/// <summary>The call a worker runs for one frame.</summary>
internal static class FrameJob
{
    /// <summary>Marks the attempt, crashes if this is the planned crash, then renders and compresses the frame.</summary>
    public static FrameOutput Render(FrameRequest request, CancellationToken cancellationToken)
    {
        int attempt = RunMarkers.ClaimAttempt(request.RunDirectory, request.Index);
        if (request.CrashOnFirstAttempt && RunMarkers.ClaimCrash(request.RunDirectory, request.Index))
        {
            NativeCrash.Segfault();
        }

        byte[] rgba = FrameRenderer.Render(request.Scene, request.Index, request.Frames, request.Width, request.Height, cancellationToken);
        int worker = request.ThreadIsolation ? Environment.CurrentManagedThreadId : Environment.ProcessId;
        return new FrameOutput(rgba, ApngEncoder.CompressFrame(rgba, request.Width, request.Height), worker, attempt);
    }
}

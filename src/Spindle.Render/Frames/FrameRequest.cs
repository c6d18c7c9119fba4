namespace Spindle.Render.Frames;

/// <summary>One frame's work, sent to a worker.</summary>
/// <param name="Scene">The scene's name.</param>
/// <param name="Index">The frame's index (0-based).</param>
/// <param name="Frames">Frames in the animation (the frame's time is Index / Frames).</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="RunDirectory">
/// The run's private directory, where attempts and the planned crash are marked, when the workers share this machine;
/// null when they may not (a cluster), and the farm numbers the attempts itself (<paramref name="Attempt"/>).
/// </param>
/// <param name="CrashOnFirstAttempt">Whether this frame's first attempt crashes its worker.</param>
/// <param name="ThreadIsolation">Whether the worker is a thread (its id is then the managed thread id, not the pid).</param>
/// <param name="Attempt">The attempt this call is (1 for the first) when the farm numbers them; 0 with a run directory.</param>
internal sealed record FrameRequest(string Scene, int Index, int Frames, int Width, int Height, string? RunDirectory, bool CrashOnFirstAttempt, bool ThreadIsolation, int Attempt = 0);

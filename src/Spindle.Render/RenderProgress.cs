namespace Spindle.Render;

/// <summary>How far a render has come; reported after each finished frame, in order, on the thread that finished it.</summary>
/// <param name="FramesDone">Frames finished so far.</param>
/// <param name="FramesTotal">Frames in the render.</param>
/// <param name="FramesPerSecond">Frames rendered per second of wall-clock time since the render started (frames resumed from a store not counted).</param>
/// <param name="Eta">Estimated time left; null until the first frame is rendered.</param>
/// <param name="CrashesSurvived">Worker crashes so far whose frame was rendered again successfully.</param>
/// <param name="Frame">The frame whose finishing this reports (where it ran, which attempt it was).</param>
public sealed record RenderProgress(int FramesDone, int FramesTotal, double FramesPerSecond, TimeSpan? Eta, int CrashesSurvived, RenderedFrame? Frame = null);

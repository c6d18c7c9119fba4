namespace Spindle.Render.Frames;

/// <summary>A worker's answer: the pixels, their PNG image data, who rendered them and which attempt it was.</summary>
/// <param name="Rgba">The frame's RGBA bytes; empty from a worker on another machine (rebuilt from <paramref name="Deflated"/>).</param>
/// <param name="Deflated">The frame's PNG image data (filtered rows, deflated), compressed on the worker so encoding runs on the whole farm.</param>
/// <param name="WorkerId">The pid (process isolation) or managed thread id (thread isolation).</param>
/// <param name="Attempt">1 for the first attempt at this frame.</param>
/// <param name="Agent">The cluster agent whose worker rendered it; null on this machine.</param>
internal sealed record FrameOutput(byte[] Rgba, byte[] Deflated, int WorkerId, int Attempt, string? Agent);

namespace Spindle.Render;

/// <summary>One finished frame.</summary>
/// <param name="Index">The frame's index (0-based).</param>
/// <param name="Rgba">Its pixels: rows top to bottom, 4 bytes (red, green, blue, alpha) per pixel.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of <paramref name="Rgba"/>.</param>
/// <param name="WorkerId">Who rendered it: the worker's pid (process isolation) or managed thread id (thread isolation).</param>
/// <param name="Attempt">1 for the first attempt; more when earlier attempts crashed their worker.</param>
/// <param name="Agent">The cluster agent whose worker process rendered it (<c>spindle agent --name</c>); null for a worker of this machine.</param>
public sealed record RenderedFrame(int Index, byte[] Rgba, string Sha256, int WorkerId, int Attempt, string? Agent = null)
{
    /// <summary>
    /// Whether the frame came from an <see cref="IRenderFrameStore"/>, kept by an earlier run of the same render, rather
    /// than from a worker of this run (its <see cref="WorkerId"/> is then 0).
    /// </summary>
    public bool Resumed { get; init; }
}

namespace Spindle.Render;

/// <summary>
/// Where a render keeps its finished frames as they come, so a render cut short (its process killed, its server
/// restarted) goes on from them instead of from the first frame (see
/// <see cref="RenderFarm.RenderAsync(RenderSettings, IRenderFrameStore, IProgress{RenderProgress}, CancellationToken)"/>).
/// </summary>
/// <remarks>
/// One store holds the frames of one animation: use it only with the same <see cref="RenderSettings"/> each time. A
/// kept frame is taken only if it is exactly what the render makes of its pixels (compressed again, the same bytes):
/// a damaged or foreign frame is rendered again. <see cref="SaveAsync"/> is called once per frame, from several threads
/// at once. A store that fails does not fail the render: a frame it could not save, or a load that failed, only means
/// frames rendered again when the render is resumed.
/// </remarks>
public interface IRenderFrameStore
{
    /// <summary>The frames kept so far, by index: each as <see cref="SaveAsync"/> was given it (empty, or null, when none).</summary>
    /// <param name="cancellationToken">Stops the load.</param>
    Task<IReadOnlyDictionary<int, byte[]>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Keeps a finished frame: its PNG image data (filtered rows, zlib-compressed), as the animation holds it.</summary>
    /// <param name="index">The frame's index (0-based).</param>
    /// <param name="compressed">The frame's PNG image data.</param>
    /// <param name="cancellationToken">Stops the save.</param>
    Task SaveAsync(int index, byte[] compressed, CancellationToken cancellationToken);
}

namespace Spindle.Render;

/// <summary>
/// Where a render keeps its finished frames as they come, so a render cut short (its process killed, its server
/// restarted) goes on from them instead of from the first frame (see
/// <see cref="RenderFarm.RenderAsync(RenderSettings, IRenderFrameStore, IProgress{RenderProgress}, CancellationToken)"/>).
/// </summary>
/// <remarks>
/// One store holds the frames of one animation: use it only with the same <see cref="RenderSettings"/> each time (the
/// farm cannot tell a frame of other settings with the same size). A frame kept damaged is rendered again.
/// </remarks>
public interface IRenderFrameStore
{
    /// <summary>The frames kept so far, by index: each as <see cref="SaveAsync"/> was given it.</summary>
    /// <param name="cancellationToken">Stops the load.</param>
    Task<IReadOnlyDictionary<int, byte[]>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Keeps a finished frame: its PNG image data (filtered rows, zlib-compressed), as the animation holds it.</summary>
    /// <param name="index">The frame's index (0-based).</param>
    /// <param name="compressed">The frame's PNG image data.</param>
    /// <param name="cancellationToken">Stops the save.</param>
    Task SaveAsync(int index, byte[] compressed, CancellationToken cancellationToken);
}

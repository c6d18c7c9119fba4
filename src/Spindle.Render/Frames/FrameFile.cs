using System.Globalization;

namespace Spindle.Render.Frames;

/// <summary>A finished frame as a file <c>frame-{index}-{worker}-{attempt}.rgba</c>, written whole or not at all.</summary>
internal static class FrameFile
{
    public const string Extension = ".rgba";

    public static void Write(string directory, RenderedFrame frame)
    {
        string name = $"frame-{frame.Index}-{frame.WorkerId}-{frame.Attempt}";
        string partial = Path.Combine(directory, name + ".partial");
        File.WriteAllBytes(partial, frame.Rgba);

        // A rename is atomic: the parent never reads half a frame, even if this process dies mid-write.
        File.Move(partial, Path.Combine(directory, name + Extension));
    }

    public static bool TryParseName(string path, out int index, out int worker, out int attempt)
    {
        index = worker = attempt = 0;
        string[] parts = Path.GetFileNameWithoutExtension(path).Split('-');
        return parts.Length == 4 && parts[0] == "frame"
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out index)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out worker)
            && int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out attempt);
    }
}

namespace Spindle.Render.Frames;

/// <summary>
/// Files in a run's private directory that say what already happened, across worker processes: creating a file
/// with <see cref="FileMode.CreateNew"/> succeeds for exactly one caller, even when a worker died right after.
/// </summary>
internal static class RunMarkers
{
    /// <summary>Records one more attempt at frame <paramref name="index"/> and returns its number (1 for the first).</summary>
    public static int ClaimAttempt(string runDirectory, int index)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (TryCreate(Path.Combine(runDirectory, $"attempt-{index}-{attempt}")))
            {
                return attempt;
            }
        }
    }

    /// <summary>True for the one caller that gets to crash on frame <paramref name="index"/>.</summary>
    public static bool ClaimCrash(string runDirectory, int index) => TryCreate(Path.Combine(runDirectory, $"crash-{index}"));

    private static bool TryCreate(string path)
    {
        try
        {
            using var marker = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }
}

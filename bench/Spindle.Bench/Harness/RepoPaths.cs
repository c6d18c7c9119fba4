namespace Spindle.Bench.Harness;

/// <summary>Where the repository is, found from the bench's own folder, so it runs from any working directory.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> FoundRoot = new(FindRoot);

    public static string Root => FoundRoot.Value;

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Spindle.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Spindle.slnx above {AppContext.BaseDirectory}: the bench must run from inside the repository.");
    }
}

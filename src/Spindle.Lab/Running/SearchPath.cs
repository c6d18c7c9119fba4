namespace Spindle.Lab.Running;

/// <summary>The directories of the PATH, in order: where the lab looks for the programs it compares against.</summary>
internal static class SearchPath
{
    public static string[] Directories() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The first <paramref name="program"/> on the PATH, or null.</summary>
    public static string? Find(string program) =>
        Directories().Select(directory => Path.Combine(directory, program)).FirstOrDefault(File.Exists);
}

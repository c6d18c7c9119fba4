namespace Spindle.Cli.Cluster;

/// <summary>
/// A file only this user may read or write (0600 from the moment it is created, never readable by others in between),
/// for the secrets <c>spindle cluster demo</c> hands to the programs it starts instead of putting them on their
/// command lines, which every user of the machine can read.
/// </summary>
internal static class PrivateFile
{
    /// <summary>Creates <paramref name="path"/> (it must not exist) holding <paramref name="text"/>; returns the path.</summary>
    public static string Write(string path, string text)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var writer = new StreamWriter(path, options))
        {
            writer.Write(text);
        }

        return path;
    }
}

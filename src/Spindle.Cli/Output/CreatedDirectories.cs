namespace Spindle.Cli.Output;

/// <summary>The folders a command made for its output, so a run that fails or is cancelled can take them away again.</summary>
internal sealed class CreatedDirectories
{
    private readonly List<string> _created = [];

    /// <summary>Creates <paramref name="directory"/> and any missing parents, noting each as it is made: a creation that fails halfway (a name too long) is undone too.</summary>
    public void Create(string directory)
    {
        var missing = new Stack<string>();
        for (string? d = directory; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d))
        {
            missing.Push(d);
        }

        foreach (string d in missing)
        {
            Directory.CreateDirectory(d);
            _created.Add(d);
        }
    }

    /// <summary>Removes the folders made here when nothing went into them, innermost first.</summary>
    public void RemoveEmpty()
    {
        foreach (string directory in Enumerable.Reverse(_created))
        {
            if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }

        _created.Clear();
    }
}

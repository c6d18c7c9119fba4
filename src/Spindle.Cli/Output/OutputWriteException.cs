namespace Spindle.Cli.Output;

/// <summary>A file of a command's output could not be written or moved into place; nothing of that output was.</summary>
internal sealed class OutputWriteException : IOException
{
    public OutputWriteException(string path, string reason, Exception? inner = null)
        : base($"cannot write {path}: {reason}", inner)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The file's final name (not its staged one): the name the user asked for.</summary>
    public string Path { get; }

    /// <summary>Why not, in the system's words ("No space left on device", "a directory is in the way").</summary>
    public string Reason { get; }
}

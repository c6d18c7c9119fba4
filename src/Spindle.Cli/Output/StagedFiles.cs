using System.Text;

namespace Spindle.Cli.Output;

/// <summary>
/// Files written under staged names beside their final ones and moved into place together by <see cref="Commit"/>:
/// a write that fails or is cancelled leaves the folder as it was, earlier files included. Disposing removes whatever
/// was staged and not moved.
/// </summary>
/// <remarks>
/// Staged names carry this process's id and a random part, so two runs writing one folder at once never take each
/// other's files (the last to commit wins, whole). Each move is a rename, atomic on its own; what could still fail
/// between moves (a directory appearing at a final name) is checked for every file before the first is moved.
/// </remarks>
internal sealed class StagedFiles : IDisposable
{
    private readonly string _run = $"{Environment.ProcessId}-{Random.Shared.Next():x8}";
    private readonly List<(string Staged, string Final)> _files = [];

    /// <summary>The staged name for <paramref name="final"/>, for a writer of its own (ffmpeg): hidden, its extension kept (ffmpeg reads the format from it).</summary>
    public string Add(string final)
    {
        string staged = Path.Combine(Path.GetDirectoryName(final)!, $".{Path.GetFileNameWithoutExtension(final)}.{_run}.partial{Path.GetExtension(final)}");
        _files.Add((staged, final));
        return staged;
    }

    /// <summary>Writes <paramref name="bytes"/> under <paramref name="final"/>'s staged name.</summary>
    /// <exception cref="OutputWriteException">The staged file could not be written.</exception>
    public async Task WriteAsync(string final, byte[] bytes, CancellationToken cancellationToken)
    {
        string staged = Add(final);
        try
        {
            await File.WriteAllBytesAsync(staged, bytes, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputWriteException(final, e.Message, e);
        }
    }

    /// <inheritdoc cref="WriteAsync(string, byte[], CancellationToken)"/>
    public Task WriteAsync(string final, string text, CancellationToken cancellationToken) => WriteAsync(final, Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Gives up <paramref name="final"/> (its writer failed): its staged file is removed, and the rest go on.</summary>
    public void Remove(string final)
    {
        int index = _files.FindIndex(f => f.Final == final);
        File.Delete(_files[index].Staged);
        _files.RemoveAt(index);
    }

    /// <summary>Moves every staged file into place, replacing earlier ones.</summary>
    /// <exception cref="OutputWriteException">A file could not be moved into place; when found before the first move, none was.</exception>
    public void Commit()
    {
        // A rename onto a directory fails: found only at its own move, it would leave the files before it moved.
        foreach ((_, string final) in _files)
        {
            if (Directory.Exists(final))
            {
                throw new OutputWriteException(final, "a directory is in the way");
            }
        }

        while (_files.Count > 0)
        {
            (string staged, string final) = _files[0];
            try
            {
                File.Move(staged, final, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new OutputWriteException(final, e.Message, e);
            }

            _files.RemoveAt(0);
        }
    }

    /// <summary>Removes the staged files not moved into place: after a failure or a cancel, nothing is left half-written.</summary>
    public void Dispose()
    {
        foreach ((string staged, _) in _files)
        {
            File.Delete(staged);
        }

        _files.Clear();
    }
}

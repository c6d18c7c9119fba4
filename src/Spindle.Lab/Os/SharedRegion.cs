using System.IO.MemoryMappedFiles;

namespace Spindle.Lab.Os;

/// <summary>A file in the per-user runtime directory mapped into memory (MAP_SHARED): every process or thread that maps it sees the same bytes.</summary>
internal sealed unsafe class SharedRegion : FutexBlock
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;

    private SharedRegion(string path, MemoryMappedFile file, int dataBytes)
    {
        Path = path;
        _file = file;
        _view = file.CreateViewAccessor(0, HeaderBytes + dataBytes);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        Attach(pointer + _view.PointerOffset, dataBytes);
    }

    public string Path { get; }

    /// <summary>Creates a zeroed region file at <paramref name="path"/> and maps it.</summary>
    public static SharedRegion Create(string path, int dataBytes)
    {
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            stream.SetLength(HeaderBytes + dataBytes);
        }

        return Open(path, dataBytes);
    }

    /// <summary>Maps an existing region file (the other side of the hand-off).</summary>
    public static SharedRegion Open(string path, int dataBytes) =>
        new(path, MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, HeaderBytes + dataBytes, MemoryMappedFileAccess.ReadWrite), dataBytes);

    public override string ToString() => Path;

    public override void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}

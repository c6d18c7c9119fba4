using System.IO.MemoryMappedFiles;

namespace Spindle.Lab.Os;

/// <summary>
/// A file in the per-user runtime directory mapped into memory (MAP_SHARED): every process or thread that maps it
/// sees the same bytes. The first cache line holds futex words; the data area follows.
/// </summary>
internal sealed unsafe class SharedRegion : IDisposable
{
    /// <summary>Bytes reserved before the data area for control words.</summary>
    public const int HeaderBytes = 64;

    /// <summary>The control word that says "give up".</summary>
    private const int AbortWord = 15;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _start;

    private SharedRegion(string path, MemoryMappedFile file, int dataBytes)
    {
        Path = path;
        DataBytes = dataBytes;
        _file = file;
        _view = file.CreateViewAccessor(0, HeaderBytes + dataBytes);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _start = pointer + _view.PointerOffset;
    }

    public string Path { get; }

    public int DataBytes { get; }

    /// <summary>Control word <paramref name="index"/> (0–15) of the header.</summary>
    public int* Word(int index) => (int*)_start + index;

    /// <summary>The data area.</summary>
    public Span<byte> Data => new(_start + HeaderBytes, DataBytes);

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

    /// <summary>Sleeps until control word <paramref name="index"/> equals <paramref name="wanted"/>.</summary>
    public void WaitFor(int index, int wanted)
    {
        int* word = Word(index);
        int seen;
        while ((seen = Volatile.Read(ref *word)) != wanted)
        {
            if (Volatile.Read(ref *Word(AbortWord)) != 0)
            {
                throw new OperationCanceledException($"The other side of {Path} gave up.");
            }

            LabNative.Wait(word, seen);
        }
    }

    /// <summary>Sets control word <paramref name="index"/> and wakes whoever waits on it.</summary>
    public void Set(int index, int value)
    {
        int* word = Word(index);
        Volatile.Write(ref *word, value);
        LabNative.Wake(word);
    }

    /// <summary>Makes every waiter on this region give up within a second (the other side failed).</summary>
    public void Abort()
    {
        Set(AbortWord, 1);
        for (int i = 0; i < AbortWord; i++)
        {
            LabNative.Wake(Word(i));
        }
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}

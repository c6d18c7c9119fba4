using System.Buffers.Binary;
using Spindle.Lab.Os;
using Spindle.Interop;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>Messages through two named pipes (one per direction): a 4-byte length, then the bytes, in one write.</summary>
internal sealed class PipeLink : IMessageLink
{
    private readonly int _read;
    private readonly int _write;
    private readonly byte[] _frame;

    private PipeLink(int read, int write, int maxBytes)
    {
        _read = read;
        _write = write;
        _frame = new byte[maxBytes + 4];
    }

    /// <summary>The opening side: writes "up", reads "down". Blocks until the other side opens too.</summary>
    public static PipeLink Open(string directory, int maxBytes, bool opener)
    {
        string up = Path.Combine(directory, "up");
        string down = Path.Combine(directory, "down");
        if (opener)
        {
            int write = LabNative.Open(up, FileAccess.Write);
            return new PipeLink(LabNative.Open(down, FileAccess.Read), write, maxBytes);
        }

        int read = LabNative.Open(up, FileAccess.Read);
        return new PipeLink(read, LabNative.Open(down, FileAccess.Write), maxBytes);
    }

    /// <summary>The two FIFOs of a link in <paramref name="directory"/>.</summary>
    public static string[] Fifos(string directory) => [Path.Combine(directory, "up"), Path.Combine(directory, "down")];

    public static void Create(string directory)
    {
        Directory.CreateDirectory(directory);
        LabNative.MakeFifo(Path.Combine(directory, "up"));
        LabNative.MakeFifo(Path.Combine(directory, "down"));
    }

    public void Send(ReadOnlySpan<byte> message)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_frame, message.Length);
        message.CopyTo(_frame.AsSpan(4));
        LabNative.WriteAll(_write, _frame.AsSpan(0, message.Length + 4));
    }

    public int Receive(Span<byte> buffer)
    {
        Span<byte> header = stackalloc byte[4];
        LabNative.ReadExactly(_read, header);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        LabNative.ReadExactly(_read, buffer[..length]);
        return length;
    }

    public void Dispose()
    {
        LabNative.Close(_read);
        LabNative.Close(_write);
    }
}

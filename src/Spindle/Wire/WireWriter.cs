using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Spindle.Wire;

/// <summary>Builds one frame in a pooled buffer: reserve the header, append fields, then patch the length.</summary>
internal sealed class WireWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _position;

    /// <summary>Scratch buffers above this size are given back rather than kept by their thread.</summary>
    private const int ScratchKeepLimit = 64 << 10;

    [ThreadStatic]
    private static WireWriter? _scratch;

    public WireWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>This thread's reusable writer (a new one if it is in use or was kept by a caller).</summary>
    public static WireWriter TakeScratch()
    {
        WireWriter writer = _scratch ?? new WireWriter(1024);
        _scratch = null;
        writer.Reset();
        return writer;
    }

    /// <summary>Gives a writer from <see cref="TakeScratch"/> back to this thread; a big one is released instead.</summary>
    public static void ReturnScratch(WireWriter writer)
    {
        if (writer._buffer.Length <= ScratchKeepLimit)
        {
            _scratch = writer;
        }
        else
        {
            writer.Dispose();
        }
    }

    public int Length => _position;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _position);

    /// <summary>Starts a frame: leaves room for the header, which <see cref="EndFrame"/> fills in.</summary>
    public void BeginFrame(FrameKind kind)
    {
        _position = 0;
        EnsureCapacity(Frame.HeaderSize);
        _buffer[4] = (byte)kind;
        _position = Frame.HeaderSize;
    }

    public void EndFrame()
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer, _position - Frame.HeaderSize);
    }

    public void Reset() => _position = 0;

    /// <summary>Drops what was written after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => _position = Math.Clamp(length, 0, _position);

    public void WriteByte(byte value)
    {
        EnsureCapacity(1);
        _buffer[_position++] = value;
    }

    public void WriteInt32(int value)
    {
        EnsureCapacity(4);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_position), value);
        _position += 4;
    }

    public void WriteInt64(long value)
    {
        EnsureCapacity(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_position), value);
        _position += 8;
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt32(-1);
            return;
        }

        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        EnsureCapacity(4 + max);
        int written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position + 4));
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_position), written);
        _position += 4 + written;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt32(value.Length);
        EnsureCapacity(value.Length);
        value.CopyTo(_buffer.AsSpan(_position));
        _position += value.Length;
    }

    /// <summary>Reserves a length slot; <see cref="EndLength"/> writes the number of bytes appended since.</summary>
    public int BeginLength()
    {
        WriteInt32(0);
        return _position;
    }

    public void EndLength(int start)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(start - 4), _position - start);
    }

    public void Advance(int count) => _position += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_position);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_position);
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void EnsureCapacity(int extra)
    {
        long needed = (long)_position + extra;
        if (needed <= _buffer.Length)
        {
            return;
        }

        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException($"A message of more than {Array.MaxLength} bytes cannot be built.");
        }

        int size = (int)Math.Min(Array.MaxLength, Math.Max(needed, (long)_buffer.Length * 2));
        byte[] bigger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _position).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}

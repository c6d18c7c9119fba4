using System.Buffers.Binary;
using System.Text;

namespace Spindle.Wire;

/// <summary>Reads the fields of one frame's payload in the order <see cref="WireWriter"/> wrote them.</summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool End => _position >= _data.Length;

    public byte ReadByte()
    {
        Need(1);
        return _data[_position++];
    }

    public int ReadInt32()
    {
        Need(4);
        int value = BinaryPrimitives.ReadInt32LittleEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public long ReadInt64()
    {
        Need(8);
        long value = BinaryPrimitives.ReadInt64LittleEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public string? ReadString()
    {
        int length = ReadInt32();
        if (length == -1)
        {
            return null;
        }

        ReadOnlySpan<byte> bytes = ReadSpan(length);
        return Encoding.UTF8.GetString(bytes);
    }

    public ReadOnlySpan<byte> ReadBytes() => ReadSpan(ReadInt32());

    public ReadOnlySpan<byte> ReadSpan(int length)
    {
        if (length < 0)
        {
            throw new InvalidDataException($"Malformed frame: negative length {length}.");
        }

        Need(length);
        ReadOnlySpan<byte> span = _data.Slice(_position, length);
        _position += length;
        return span;
    }

    private readonly void Need(int count)
    {
        if (_data.Length - _position < count)
        {
            throw new InvalidDataException($"Malformed frame: needed {count} more bytes at offset {_position} of {_data.Length}.");
        }
    }
}

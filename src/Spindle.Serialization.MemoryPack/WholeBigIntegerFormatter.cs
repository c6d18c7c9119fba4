using System.Numerics;
using System.Runtime.InteropServices;
using MemoryPack;

namespace Spindle.Serialization.MemoryPack;

/// <summary>
/// <see cref="BigInteger"/> as its two's-complement bytes, length first. MemoryPack 1.22's own formatter writes the
/// unused tail of its 255-byte scratch buffer instead of the number (<c>Slice(written)</c> for <c>Slice(0, written)</c>),
/// so every BigInteger arrived as 0 without an error. The layout is the one that formatter meant to write.
/// </summary>
internal sealed class WholeBigIntegerFormatter : MemoryPackFormatter<BigInteger>
{
    public override void Serialize<TBufferWriter>(ref MemoryPackWriter<TBufferWriter> writer, scoped ref BigInteger value)
    {
        Span<byte> bytes = stackalloc byte[256];
        if (value.TryWriteBytes(bytes, out int written))
        {
            writer.WriteUnmanagedSpan(bytes[..written]);
        }
        else
        {
            writer.WriteUnmanagedArray(value.ToByteArray());
        }
    }

    public override void Deserialize(ref MemoryPackReader reader, scoped ref BigInteger value)
    {
        if (!reader.TryReadCollectionHeader(out int length))
        {
            value = default;
            return;
        }

        value = new BigInteger(MemoryMarshal.CreateReadOnlySpan(ref reader.GetSpanReference(length), length));
        reader.Advance(length);
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spindle.Bench.Shared;

/// <summary>A checksum that reads every byte at vector speed: the wrapping sum of the data's 8-byte words.</summary>
internal static class Checksum
{
    /// <summary>Sums <paramref name="data"/> as little-endian 8-byte words (its length is a multiple of 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ulong Sum(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        int length = words.Length;
        if (length <= 16)
        {
            // A small block: the vector set-up and the final horizontal sum would cost more than the additions.
            ulong sum = 0;
            foreach (ulong word in words)
            {
                sum += word;
            }

            return sum;
        }

        ref ulong start = ref MemoryMarshal.GetReference(words);
        int width = Vector<ulong>.Count;
        Vector<ulong> a = Vector<ulong>.Zero, b = a, c = a, d = a;
        int i = 0;

        // Four independent sums keep several loads in flight; one would wait on each addition.
        for (; i + (4 * width) <= length; i += 4 * width)
        {
            a += Vector.LoadUnsafe(ref start, (nuint)i);
            b += Vector.LoadUnsafe(ref start, (nuint)(i + width));
            c += Vector.LoadUnsafe(ref start, (nuint)(i + (2 * width)));
            d += Vector.LoadUnsafe(ref start, (nuint)(i + (3 * width)));
        }

        for (; i + width <= length; i += width)
        {
            a += Vector.LoadUnsafe(ref start, (nuint)i);
        }

        ulong total = Vector.Sum(a + b + c + d);
        for (; i < length; i++)
        {
            total += words[i];
        }

        return total;
    }
}

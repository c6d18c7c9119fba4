using System.Buffers.Binary;
using System.Runtime.Versioning;
using System.Text;

namespace Spindle.Shared;

/// <summary>
/// The parent's side of one worker's <see cref="ResultArena"/>: maps each slot once (again only when the worker
/// replaces it with a bigger one), copies a value out straight into the object the caller gets, and frees the slot.
/// Used on the worker's reader thread only.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class ResultArenaReader(int workerProcessId) : IDisposable
{
    private readonly Segment?[] _slots = new Segment?[ResultArena.MaxSlots];
    private readonly string?[] _references = new string?[ResultArena.MaxSlots];

    /// <summary>Reads the value a result frame's arena payload names, as <paramref name="type"/>.</summary>
    public object Read(ReadOnlySpan<byte> payload, Type type)
    {
        UnmanagedBlock block = UnmanagedBlock.For(type) ?? throw new InvalidDataException($"{type} is not an array or memory of unmanaged values, yet it came back through shared memory.");
        long bytes = BinaryPrimitives.ReadInt64LittleEndian(payload);
        int slot = BinaryPrimitives.ReadInt32LittleEndian(payload[8..]);
        string reference = Encoding.UTF8.GetString(payload[12..]);
        if ((uint)slot >= ResultArena.MaxSlots)
        {
            throw new InvalidDataException($"Worker {workerProcessId} named result slot {slot}; there are {ResultArena.MaxSlots}.");
        }

        Segment? segment = _slots[slot];
        if (segment is null || _references[slot] != reference)
        {
            // A new slot, or the worker replaced this one with a bigger one.
            segment?.Dispose();
            _slots[slot] = null;
            segment = _slots[slot] = ArrayHandoff.OpenAnonymous(reference);
            _references[slot] = reference;
        }

        try
        {
            if (bytes < 0 || bytes > segment.DataLength - ResultArena.ControlBytes || bytes % block.ElementSize != 0)
            {
                throw new InvalidDataException($"A result of {bytes} bytes does not fit {segment.Description} or is not a whole number of {block.ElementSize}-byte elements.");
            }

            return block.Copy(segment.Data + ResultArena.ControlBytes, bytes);
        }
        finally
        {
            // The worker may be waiting for this slot (every other one is held too).
            Volatile.Write(ref *(int*)segment.Data, ResultArena.Free);
            Interop.Futex.Wake((int*)segment.Data);
        }
    }

    /// <summary>
    /// After the worker's exit: closes the slots (their pages go with the last mapping) and removes any named object the
    /// worker created that nobody alive uses, such as a <see cref="SharedArray{T}"/> it was handing over as it died.
    /// </summary>
    public void Dispose()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i]?.Dispose();
            _slots[i] = null;
            _references[i] = null;
        }

        SegmentDirectory.RemoveLeftoversOf(workerProcessId);
    }
}

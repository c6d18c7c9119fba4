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

    /// <summary>Tells the worker that a result it pinned has been read (or never will be): it may let go and go on.</summary>
    public Action? ResultReadNotice { get; init; }

    /// <summary>
    /// Copies a result the worker left pinned (<see cref="CrossMemory.WorkerCrossMemory.WriteResult"/>'s payload: byte
    /// count, address) straight into the object the caller gets, with one <c>process_vm_readv</c>.
    /// </summary>
    public object ReadFromWorker(ReadOnlySpan<byte> payload, Type type)
    {
        const int noSuchProcess = 3; // ESRCH
        UnmanagedBlock block = UnmanagedBlock.For(type) ?? throw new InvalidDataException($"{type} is not an array or memory of unmanaged values, yet it was left in worker {workerProcessId}'s memory.");
        long bytes = BinaryPrimitives.ReadInt64LittleEndian(payload);
        long address = BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
        if (bytes <= 0 || bytes % block.ElementSize != 0)
        {
            throw new InvalidDataException($"A {bytes}-byte result is not a whole number of {block.ElementSize}-byte elements.");
        }

        // Its pages are faulted in by the copy, half by each of two threads when it is large (see CrossMemoryNative).
        object value = block.NewPinned(bytes, out System.Buffers.MemoryHandle pinned, prefault: false);
        int error;
        using (pinned)
        {
            error = Interop.CrossMemoryNative.Read(workerProcessId, (byte*)pinned.Pointer, address, bytes);
        }

        return error == 0 ? value : throw new IOException(
            $"Could not copy the {bytes}-byte result out of worker {workerProcessId}: {Interop.CrossMemoryNative.Describe(error)}"
            + (error == noSuchProcess ? " (it exited while its result was being read)." : "."));
    }

    /// <summary>Sends <see cref="ResultReadNotice"/>.</summary>
    public void LetGoOfResult() => ResultReadNotice?.Invoke();

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

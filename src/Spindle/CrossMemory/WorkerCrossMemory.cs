using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.Versioning;
using Spindle.Interop;
using Spindle.Shared;
using Spindle.Wire;

namespace Spindle.CrossMemory;

/// <summary>
/// A worker process's side of the cross-memory road, where the parent copies large values straight between its own
/// arrays and this worker's with <c>process_vm_writev</c>/<c>process_vm_readv</c>: one copy each way instead of the
/// shared-memory road's two. The parent makes every copy (a parent may reach into its child's memory under Yama's
/// default scope, a child into its parent's may not), so this side only allocates, pins and waits:
/// <code>
/// argument: call frame [bytes, id] -> allocate the T[] the delegate gets, pinned -> FillArgument [id, address, bytes]
///           (data connection) -> the parent writes into it -> ArgumentFilled [id, errno] (control) -> unpin, run
/// result:   pin the result -> result frame [bytes, address] -> the parent reads it into the array its caller gets
///           -> ResultRead (control) -> unpin, then the next call
/// </code>
/// </summary>
/// <remarks>
/// Results take this road only once the parent has found that it may copy (<see cref="FrameKind.CrossMemoryOn"/>); until
/// then, and in pools where it may not, they take the result arena (<see cref="ResultArena"/>). The worker waits for
/// the parent to have read a result before it runs the next call, so a delegate that returns an array it keeps and
/// changes cannot change it under the copy. If the parent dies meanwhile, the control loop ends this process.
/// </remarks>
internal sealed unsafe class WorkerCrossMemory(FrameSocket data)
{
    private readonly SemaphoreSlim _filled = new(0);
    private readonly SemaphoreSlim _resultRead = new(0);
    private volatile int _fillError;
    private volatile bool _enabled;
    private MemoryHandle? _pinnedResult;
    private long _allocatedThisCall;

    /// <summary>From how many bytes of arguments allocated by one call the worker may collect after it (see <see cref="FinishCall"/>).</summary>
    private const long CollectFromBytes = 16 << 20;

    /// <summary>This worker's, once its host has set it up; null in any other process.</summary>
    public static WorkerCrossMemory? Current { get; set; }

    /// <summary>The parent said it can copy to and from this worker (<see cref="FrameKind.CrossMemoryOn"/>).</summary>
    public void Enable() => _enabled = true;

    /// <summary>
    /// Reads a cross-memory argument (<see cref="PinnedArguments.Write"/>'s payload): a new pinned value of its size,
    /// which the parent fills while this thread waits.
    /// </summary>
    public object ReadArgument(ReadOnlySpan<byte> payload, Type type)
    {
        UnmanagedBlock block = UnmanagedBlock.For(type) ?? throw new InvalidDataException($"{type} is not an array of unmanaged values, yet it was sent as one to copy across.");
        long bytes = BinaryPrimitives.ReadInt64LittleEndian(payload);
        long id = BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
        if (bytes <= 0 || bytes % block.ElementSize != 0)
        {
            throw new InvalidDataException($"A {bytes}-byte argument is not a whole number of {block.ElementSize}-byte elements.");
        }

        object value = block.NewPinned(bytes, out MemoryHandle pinned);
        _allocatedThisCall += bytes;
        using (pinned)
        {
            Span<byte> request = stackalloc byte[Frame.HeaderSize + 24];
            BinaryPrimitives.WriteInt32LittleEndian(request, 24);
            request[4] = (byte)FrameKind.FillArgument;
            BinaryPrimitives.WriteInt64LittleEndian(request[Frame.HeaderSize..], id);
            BinaryPrimitives.WriteInt64LittleEndian(request[(Frame.HeaderSize + 8)..], (long)pinned.Pointer);
            BinaryPrimitives.WriteInt64LittleEndian(request[(Frame.HeaderSize + 16)..], bytes);
            data.Send(request);
            _filled.Wait();
        }

        int error = _fillError;
        return error == 0 ? value
            : throw new InvalidDataException($"The caller could not copy a {bytes}-byte argument into worker {Environment.ProcessId}: {CrossMemoryNative.Describe(error)}.");
    }

    /// <summary>The control connection brought the parent's answer to a fill (its payload: id, errno).</summary>
    public void OnArgumentFilled(ReadOnlySpan<byte> payload)
    {
        _fillError = payload.Length >= 12 ? BinaryPrimitives.ReadInt32LittleEndian(payload[8..]) : 22;
        _filled.Release();
    }

    /// <summary>The control connection says the parent has read the pinned result.</summary>
    public void OnResultRead() => _resultRead.Release();

    /// <summary>Whether a result of <paramref name="bytes"/> bytes takes this road: the parent can copy, and it is at least <paramref name="threshold"/>.</summary>
    public bool Wants(long bytes, long threshold) => _enabled && bytes >= threshold;

    /// <summary>Pins <paramref name="value"/> until the parent has read it and writes its byte count and address.</summary>
    public void WriteResult(IBufferWriter<byte> writer, object value, UnmanagedBlock block)
    {
        DropResult();
        MemoryHandle pinned = block.Pin(value, out long bytes);
        _pinnedResult = pinned;
        Span<byte> head = writer.GetSpan(16);
        BinaryPrimitives.WriteInt64LittleEndian(head, bytes);
        BinaryPrimitives.WriteInt64LittleEndian(head[8..], (long)pinned.Pointer);
        writer.Advance(16);
    }

    /// <summary>
    /// After the result frame has gone: waits until the parent has read the pinned result and lets it go; then, if the
    /// call's arguments were large arrays, collects, so the next call's arrays reuse their pages.
    /// </summary>
    /// <remarks>
    /// A new 64 MiB array on pages the system has to hand out (16,384 page faults, each page zeroed) costs several
    /// times the copy that fills it; on pages a collection just freed it costs nothing. The garbage collector alone
    /// would let a worker's large arrays pile up for several calls, each on fresh pages. A full collection costs in
    /// proportion to what is alive, so it is made only when that (as the last full collection found it) is smaller
    /// than the bytes this call allocated: then it costs less than the page faults it saves.
    /// </remarks>
    public void FinishCall()
    {
        if (_pinnedResult is not null)
        {
            _resultRead.Wait();
            DropResult();
        }

        long allocated = _allocatedThisCall;
        _allocatedThisCall = 0;
        if (allocated >= CollectFromBytes && GC.GetGCMemoryInfo(GCKind.FullBlocking).PromotedBytes < allocated)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        }
    }

    /// <summary>Lets go of a pinned result the parent will not read (the call's frame was rewritten as a failure).</summary>
    public void DropResult()
    {
        _pinnedResult?.Dispose();
        _pinnedResult = null;
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.Versioning;
using Spindle.Interop;
using Spindle.Shared;

namespace Spindle.CrossMemory;

/// <summary>
/// The caller's side of the cross-memory argument road: a large <c>T[]</c> argument stays where it is, pinned, and
/// only its id and byte count travel in the call frame. When the worker decodes the call it allocates the array the
/// delegate will get and asks for it to be filled (<see cref="Wire.FrameKind.FillArgument"/>); the parent's reader
/// copies the bytes straight into it with <c>process_vm_writev</c> (<see cref="Fill"/>): one copy, where the
/// shared-memory road makes two (into a segment, out of it).
/// </summary>
/// <remarks>
/// An argument stays pinned until its call is over for good (retries included), like a handoff segment, and is then
/// let go (<see cref="Release"/>); a worker that dies mid-copy leaves nothing behind on either side (the pin is the
/// call's, the worker's array dies with it). The worker reads the array when it starts the call, so, as with
/// <see cref="Isolation.Thread"/>, changing the array before the call's task completes races with the call.
/// </remarks>
internal static unsafe class PinnedArguments
{
    private static readonly ConcurrentDictionary<long, Pinned> Table = new();
    private static long _lastId;

    /// <summary>How many arguments are pinned now (what a test checks after deaths mid-copy).</summary>
    public static int Count => Table.Count;

    /// <summary>Pins <paramref name="value"/> and writes its byte count and id; returns the id, which the call must <see cref="Release"/>.</summary>
    public static long Write(IBufferWriter<byte> writer, object value, UnmanagedBlock block)
    {
        MemoryHandle handle = block.Pin(value, out long bytes);
        long id = Interlocked.Increment(ref _lastId);
        Table[id] = new Pinned(handle, bytes);
        Span<byte> head = writer.GetSpan(16);
        BinaryPrimitives.WriteInt64LittleEndian(head, bytes);
        BinaryPrimitives.WriteInt64LittleEndian(head[8..], id);
        writer.Advance(16);
        return id;
    }

    /// <summary>Lets go of a pinned argument (its call is over); waits for a copy out of it that is under way.</summary>
    public static void Release(long id)
    {
        if (Table.TryRemove(id, out Pinned? pinned))
        {
            lock (pinned)
            {
                pinned.Released = true;
                pinned.Handle.Dispose();
            }
        }
    }

    /// <summary>
    /// Copies pinned argument <paramref name="id"/> into <paramref name="processId"/>'s memory at
    /// <paramref name="address"/>, which the worker says holds <paramref name="bytes"/>; 0 or the errno.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static int Fill(int processId, long id, long address, long bytes)
    {
        const int invalidArgument = 22; // EINVAL: not an argument of a call under way, or not its size
        if (!Table.TryGetValue(id, out Pinned? pinned) || pinned.Bytes != bytes)
        {
            return invalidArgument;
        }

        lock (pinned)
        {
            return pinned.Released ? invalidArgument : CrossMemoryNative.Write(processId, (byte*)pinned.Handle.Pointer, address, bytes);
        }
    }

    private sealed class Pinned(MemoryHandle handle, long bytes)
    {
        public MemoryHandle Handle = handle;

        public long Bytes { get; } = bytes;

        public bool Released { get; set; }
    }
}

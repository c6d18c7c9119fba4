using System.Buffers.Binary;
using Spindle.Backends;
using Spindle.Calls.Serialization;
using Spindle.Wire;
using WireFrame = Spindle.Wire.Frame;

namespace Spindle.Pools;

/// <summary>
/// A call that arrived already encoded (a cluster agent relays a frame a pool on another machine wrote) and whose
/// result goes back encoded: this process never decodes either, so it needs none of the caller's code. The frame is
/// copied with this pool's call id in place of the caller's; the result payload gets the caller's id back.
/// </summary>
internal sealed class RelayedCall : PendingCall<RelayedResult>, IEncodedCall
{
    private readonly long _callersId;

    public RelayedCall(ReadOnlySpan<byte> frame, CancellationToken cancellationToken)
        : base(cancellationToken, telemetry: null)
    {
        if (frame.Length < WireFrame.HeaderSize + sizeof(long) || (FrameKind)frame[4] != FrameKind.Call)
        {
            throw new InvalidDataException($"A relayed call must be a call frame of at least {WireFrame.HeaderSize + sizeof(long)} bytes; got {frame.Length} bytes.");
        }

        byte[] copy = frame.ToArray();
        _callersId = BinaryPrimitives.ReadInt64LittleEndian(copy.AsSpan(WireFrame.HeaderSize));
        BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(WireFrame.HeaderSize), Id);
        Frame = copy;
    }

    public ReadOnlyMemory<byte> Frame { get; private set; }

    public override void Release() => Frame = default;

    /// <summary>
    /// Keeps the result payload as it came, with the caller's call id, for the caller's pool to decode. The relaying pool
    /// keeps results on the channel (no <c>SharedMemoryThreshold</c>), so the payload never points into
    /// <paramref name="arena"/>, whose pages the caller on another machine could not read.
    /// </summary>
    public void ReadFromWire(ReadOnlySpan<byte> payload, ValueCodec codec, int workerProcessId, Shared.ResultArenaReader? arena = null)
    {
        byte[] result = payload.ToArray();
        BinaryPrimitives.WriteInt64LittleEndian(result, _callersId);
        KeepResult(new RelayedResult(result, workerProcessId));
    }
}

/// <summary>A relayed call's result payload (with the caller's call id) and the worker process that answered.</summary>
internal readonly record struct RelayedResult(byte[] Payload, int WorkerProcessId);

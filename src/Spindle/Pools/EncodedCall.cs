using Spindle.Backends;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Shared;
using Spindle.Telemetry;
using Spindle.Wire;

namespace Spindle.Pools;

/// <summary>
/// A call encoded at the call site into a frame, for a backend whose workers do not share memory with the caller
/// (processes): the frame it sends, and the decoding of the result frame that comes back.
/// </summary>
internal sealed class EncodedCall<TResult> : PendingCall<TResult>, IEncodedCall
{
    /// <summary>Frames up to this size are copied into an array of their own: a pooled buffer per call in flight would drain the pool.</summary>
    private const int SmallFrameBytes = 4096;

    private WireWriter? _frameOwner;

    public EncodedCall(CancellationToken cancellationToken, CallTelemetry? telemetry = null)
        : base(cancellationToken, telemetry)
    {
    }

    /// <summary>The call frame, built at the call site.</summary>
    public ReadOnlyMemory<byte> Frame { get; private set; }

    /// <summary>The type the worker encodes the result as.</summary>
    public Type WireResultType { get; set; } = typeof(object);

    /// <summary>Keeps the frame <paramref name="writer"/> holds; true if the call took the writer itself (a large frame).</summary>
    public bool TakeFrame(WireWriter writer)
    {
        if (writer.Length <= SmallFrameBytes)
        {
            Frame = writer.WrittenSpan.ToArray();
            return false;
        }

        Frame = writer.WrittenMemory;
        _frameOwner = writer;
        return true;
    }

    public override void Release()
    {
        Frame = default;
        Interlocked.Exchange(ref _frameOwner, null)?.Dispose();
    }

    /// <summary>Keeps the outcome a result frame carries (see <see cref="PendingCall.Publish"/>).</summary>
    public void ReadFromWire(ReadOnlySpan<byte> payload, ValueCodec codec, int workerProcessId, ResultArenaReader? arena = null)
    {
        try
        {
            var reader = new WireReader(payload);
            reader.ReadInt64();
            if (reader.ReadByte() == CallRunner.Returned)
            {
                object? value = codec.Read(ref reader, WireResultType, arena);
                if (value is null && default(TResult) is not null)
                {
                    throw new InvalidDataException($"the worker sent null for a result of type {typeof(TResult).Name}, which cannot be null.");
                }

                KeepResult((TResult)value!);
                return;
            }

            RemoteException remote = RemoteError.Read(ref reader, workerProcessId);
            bool cancelled = remote.RemoteType == typeof(OperationCanceledException).FullName || remote.RemoteType == typeof(TaskCanceledException).FullName;
            if (cancelled && CancellationToken.IsCancellationRequested)
            {
                KeepCanceled();
                return;
            }

            KeepError(remote);
        }
        // This runs on the worker's reader thread, where an exception that escapes ends the caller's process: a result
        // that cannot be read, for whatever reason (too large for this process's memory; a custom serializer or
        // converter of the app's that throws), fails its call instead.
        catch (Exception e)
        {
            KeepError(new SpindleException($"The result of call {Id} could not be read: {e.Message}", e));
        }
    }
}

using Spindle.Calls.Serialization;

namespace Spindle.Backends;

/// <summary>What a backend whose workers do not share memory with the caller (processes) does with a call: send its frame, read its result.</summary>
internal interface IEncodedCall
{
    /// <summary>The call frame, encoded at the call site.</summary>
    ReadOnlyMemory<byte> Frame { get; }

    /// <summary>Keeps the outcome a result frame carries, to be published once the worker is free.</summary>
    void ReadFromWire(ReadOnlySpan<byte> payload, ValueCodec codec, int workerProcessId, Shared.ResultArenaReader? arena = null);
}

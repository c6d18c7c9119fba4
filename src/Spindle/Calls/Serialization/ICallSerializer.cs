using System.Buffers;

namespace Spindle.Calls.Serialization;

/// <summary>
/// Turns values into bytes and back so they can cross a process boundary. Plug one in with
/// <see cref="WorkerPoolOptions.Serializer"/> or <see cref="WorkerPoolOptions.SerializerFactory"/> to bring MemoryPack, MessagePack or your own format.
/// </summary>
/// <remarks>
/// The worker process creates its own instance: set as <see cref="WorkerPoolOptions.Serializer"/>, through a public
/// parameterless constructor; built by <see cref="WorkerPoolOptions.SerializerFactory"/>, by calling the same factory.
/// Types the serializer declines go to Spindle's built-in binary format (primitives, strings, <c>byte[]</c>,
/// arrays of unmanaged types) and then to System.Text.Json.
/// </remarks>
public interface ICallSerializer
{
    /// <summary>Whether this serializer handles values of <paramref name="type"/>.</summary>
    bool CanSerialize(Type type);

    /// <summary>Writes <paramref name="value"/>, whose runtime type is <paramref name="type"/>.</summary>
    void Serialize(IBufferWriter<byte> destination, object value, Type type);

    /// <summary>Reads a value of <paramref name="type"/> written by <see cref="Serialize"/>.</summary>
    object? Deserialize(ReadOnlySpan<byte> source, Type type);
}

using System.Diagnostics.CodeAnalysis;
using System.Runtime.Versioning;
using System.Text.Json;
using Spindle.Calls;
using Spindle.Wire;

namespace Spindle.Ipc.Queues;

/// <summary>Per-thread buffers for encoding a message before it is copied into its slot, so enqueueing does not allocate.</summary>
[SupportedOSPlatform("linux")]
internal static class QueueScratch
{
    [ThreadStatic]
    private static WireWriter? t_writer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    /// <summary>Encodes <paramref name="value"/>; the result is valid until the next call on this thread. Null encodes as null.</summary>
    [RequiresUnreferencedCode(DynamicCode.Values)]
    [RequiresDynamicCode(DynamicCode.Values)]
    public static WireWriter Encode<T>(T value, out bool isNull)
    {
        WireWriter writer = t_writer ??= new WireWriter(4096);
        writer.Reset();
        isNull = value is null;
        if (!isNull)
        {
            MessageCodec<T>.Write(writer, value, ref t_json);
        }

        return writer;
    }

    /// <summary>Drops a buffer that grew large for one big message.</summary>
    public static void Trim()
    {
        if (t_writer is { } writer && writer.Length > 1 << 20)
        {
            writer.Dispose();
            t_writer = null;
        }
    }
}

using System.Diagnostics;
using Spindle.Wire;

namespace Spindle.Telemetry;

/// <summary>
/// The W3C trace context a call frame carries when its span is recorded (<see cref="Calls.CallFlags.TraceContext"/>):
/// trace id (16 bytes), parent span id (8), trace flags (1), then tracestate as a string (null for none). A frame
/// without the flag has no header, so calls nobody traces cost nothing more on the wire.
/// </summary>
internal static class TraceHeader
{
    private const int IdBytes = 16 + 8 + 1;

    public static void Write(WireWriter writer, Activity span)
    {
        // CopyTo fills exactly the span it is given: each gets its own slice.
        Span<byte> ids = writer.GetSpan(IdBytes)[..IdBytes];
        span.TraceId.CopyTo(ids[..16]);
        span.SpanId.CopyTo(ids[16..24]);
        ids[24] = (byte)span.ActivityTraceFlags;
        writer.Advance(IdBytes);
        writer.WriteString(span.TraceStateString);
    }

    /// <summary>Reads the header into the context the worker's run span continues (marked remote, as it came from another process).</summary>
    public static ActivityContext Read(ref WireReader reader)
    {
        ReadOnlySpan<byte> ids = reader.ReadSpan(IdBytes);
        var traceId = ActivityTraceId.CreateFromBytes(ids[..16]);
        var spanId = ActivitySpanId.CreateFromBytes(ids[16..24]);
        var flags = (ActivityTraceFlags)ids[24];
        string? traceState = reader.ReadString();
        return new ActivityContext(traceId, spanId, flags, traceState, isRemote: true);
    }
}

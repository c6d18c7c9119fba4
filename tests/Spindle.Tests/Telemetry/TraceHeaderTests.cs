using System.Diagnostics;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Telemetry;
using Spindle.Wire;

namespace Spindle.Tests.Telemetry;

/// <summary>The call frame carries a trace header only for a recorded span, behind a flag; without one the frame is as before.</summary>
public class TraceHeaderTests
{
    [Fact]
    public void CallWriter_NoSpan_FrameHasNoFlagAndNoHeader()
    {
        byte[] plain = CallFrame(traced: null);

        Assert.Equal(0, plain[Frame.HeaderSize + 8] & (byte)CallFlags.TraceContext);
    }

    [Fact]
    public void CallWriter_RecordedSpan_FlagAndHeaderCarryTheSpansContext()
    {
        using var span = new Activity("caller");
        span.SetIdFormat(ActivityIdFormat.W3C);
        span.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        span.TraceStateString = "vendor=value";
        span.Start();

        byte[] plain = CallFrame(traced: null);
        byte[] traced = CallFrame(span);

        Assert.Equal((byte)CallFlags.TraceContext, traced[Frame.HeaderSize + 8] & (byte)CallFlags.TraceContext);
        var reader = new WireReader(traced.AsSpan(Frame.HeaderSize + 9));
        ActivityContext context = TraceHeader.Read(ref reader);
        Assert.Equal(span.TraceId, context.TraceId);
        Assert.Equal(span.SpanId, context.SpanId);
        Assert.Equal(span.ActivityTraceFlags, context.TraceFlags);
        Assert.True(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded));
        Assert.Equal("vendor=value", context.TraceState);
        Assert.True(context.IsRemote);

        // Everything after the header is the untraced frame's, byte for byte.
        Assert.Equal(plain.AsSpan(Frame.HeaderSize + 9).ToArray(), traced.AsSpan(traced.Length - (plain.Length - Frame.HeaderSize - 9)).ToArray());
    }

    private static byte[] CallFrame(Activity? traced)
    {
        Func<int, int> fn = static x => x + 1;
        using var writer = new WireWriter();
        CallWriter.Write(writer, new ValueCodec(null), callId: 7, CallFlags.None, MethodTemplate.For(fn, nameof(fn)), fn.Target, [41], nameof(fn), traced);
        return writer.WrittenSpan.ToArray();
    }
}

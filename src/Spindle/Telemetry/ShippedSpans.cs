using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Spindle.Wire;

namespace Spindle.Telemetry;

/// <summary>
/// A worker's finished spans of one call, on their way to the parent in a <see cref="FrameKind.Spans"/> frame sent just
/// before the call's result, and emitted there as activities of sources with the same names, under the call's span, so
/// the app's OpenTelemetry exporters export them with the rest of the trace.
/// </summary>
/// <remarks>
/// <para>
/// Per span: its id and its parent's, source, name, kind, start and duration, status, tags and events (links are not
/// sent). Tags and events are bounded (<see cref="MaxTags"/>, <see cref="MaxEvents"/>, strings cut at
/// <see cref="MaxStringChars"/>) as the number of spans is (<see cref="SpindleTelemetry.MaxWorkerSpansPerCall"/>).
/// </para>
/// <para>
/// .NET cannot give an activity an id of one's choosing, so a span emitted in the parent gets a new span id: the trace
/// id, the tree (each span under its parent's new id), the names, times, tags, status and events are the worker's.
/// </para>
/// </remarks>
internal static class ShippedSpans
{
    public const int MaxTags = 64;
    public const int MaxEvents = 32;
    public const int MaxStringChars = 4096;

    private const byte NullValue = 0;
    private const byte StringValue = 1;
    private const byte LongValue = 2;
    private const byte DoubleValue = 3;
    private const byte BoolValue = 4;

    private static readonly ConcurrentDictionary<string, ActivitySource> Sources = new(StringComparer.Ordinal)
    {
        [SpindleTelemetry.ActivitySourceName] = SpindleTelemetry.Source,
    };

    /// <summary>Writes the spans frame of call <paramref name="callId"/> (in the worker).</summary>
    public static void Write(WireWriter writer, long callId, WorkerRun run)
    {
        writer.BeginFrame(FrameKind.Spans);
        writer.WriteInt64(callId);
        writer.WriteInt32(run.Dropped);
        writer.WriteInt32(run.Finished.Count);
        foreach (Activity span in run.Finished)
        {
            Span<byte> ids = writer.GetSpan(16);
            span.SpanId.CopyTo(ids[..8]);
            span.ParentSpanId.CopyTo(ids[8..16]);
            writer.Advance(16);
            writer.WriteString(span.Source.Name);
            writer.WriteString(Cut(span.OperationName));
            writer.WriteString(span.DisplayName == span.OperationName ? null : Cut(span.DisplayName));
            writer.WriteByte((byte)span.Kind);
            writer.WriteInt64(span.StartTimeUtc.Ticks);
            writer.WriteInt64(span.Duration.Ticks);
            writer.WriteByte((byte)span.Status);
            writer.WriteString(Cut(span.StatusDescription));
            WriteTags(writer, span.TagObjects);
            int events = Math.Min(span.Events.Count(), MaxEvents);
            writer.WriteInt32(events);
            foreach (ActivityEvent e in span.Events.Take(events))
            {
                writer.WriteString(Cut(e.Name));
                writer.WriteInt64(e.Timestamp.UtcTicks);
                WriteTags(writer, e.Tags);
            }
        }

        writer.EndFrame();
    }

    /// <summary>
    /// Emits the spans a <see cref="FrameKind.Spans"/> frame carries (in the parent, on the worker's reader thread),
    /// parents before children, under <paramref name="callSpan"/>.
    /// </summary>
    public static void Emit(ReadOnlySpan<byte> payload, Activity callSpan)
    {
        var reader = new WireReader(payload);
        reader.ReadInt64();
        int dropped = reader.ReadInt32();
        int count = reader.ReadInt32();
        if (count < 0 || count > SpindleTelemetry.MaxWorkerSpansPerCall)
        {
            throw new InvalidDataException($"Malformed spans frame: {count} spans.");
        }

        var spans = new Dictionary<ActivitySpanId, Shipped>(count);
        var order = new List<Shipped>(count);
        for (int i = 0; i < count; i++)
        {
            Shipped span = Shipped.Read(ref reader);
            spans.TryAdd(span.Id, span);
            order.Add(span);
        }

        if (dropped > 0 && callSpan.IsAllDataRequested)
        {
            callSpan.SetTag(WorkerRun.DroppedTag, dropped);
        }

        Activity? current = Activity.Current;
        try
        {
            foreach (Shipped span in order)
            {
                EmitWithParents(span, spans, callSpan.Context);
            }
        }
        finally
        {
            CallSpan.Restore(current);
        }
    }

    /// <summary>Emits <paramref name="span"/> after its parent, and returns the context its children go under.</summary>
    private static ActivityContext EmitWithParents(Shipped span, Dictionary<ActivitySpanId, Shipped> spans, ActivityContext callSpan)
    {
        if (span.EmittedAs is { } done)
        {
            return done;
        }

        // Marked before the parent is looked at, so a malformed frame whose spans form a loop ends here.
        span.EmittedAs = callSpan;
        ActivityContext parent = spans.TryGetValue(span.ParentId, out Shipped? shippedParent)
            ? EmitWithParents(shippedParent, spans, callSpan)
            : callSpan;
        ActivitySource source = Sources.GetOrAdd(span.Source, static name => new ActivitySource(name));
        Activity? activity = source.CreateActivity(span.Name, span.Kind, parent, span.Tags, links: null, ActivityIdFormat.W3C);
        if (activity is null)
        {
            // Not sampled here: its children go under its parent.
            span.EmittedAs = parent;
            return parent;
        }

        if (span.DisplayName is { } displayName)
        {
            activity.DisplayName = displayName;
        }

        activity.SetStartTime(span.Start);
        foreach (ActivityEvent e in span.Events)
        {
            activity.AddEvent(e);
        }

        activity.SetStatus(span.Status, span.StatusDescription);
        activity.Start();
        activity.SetEndTime(span.Start + TimeSpan.FromTicks(Math.Max(span.DurationTicks, 1)));
        activity.Stop();
        span.EmittedAs = activity.Context;
        return activity.Context;
    }

    private static void WriteTags(WireWriter writer, IEnumerable<KeyValuePair<string, object?>> tags)
    {
        KeyValuePair<string, object?>[] kept = [.. tags.Take(MaxTags)];
        writer.WriteInt32(kept.Length);
        foreach ((string key, object? value) in kept)
        {
            writer.WriteString(Cut(key));
            switch (value)
            {
                case null:
                    writer.WriteByte(NullValue);
                    break;
                case bool b:
                    writer.WriteByte(BoolValue);
                    writer.WriteByte(b ? (byte)1 : (byte)0);
                    break;
                case sbyte or byte or short or ushort or int or uint or long:
                    writer.WriteByte(LongValue);
                    writer.WriteInt64(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case float or double:
                    writer.WriteByte(DoubleValue);
                    writer.WriteInt64(BitConverter.DoubleToInt64Bits(Convert.ToDouble(value, CultureInfo.InvariantCulture)));
                    break;
                default:
                    writer.WriteByte(StringValue);
                    writer.WriteString(Cut(Convert.ToString(value, CultureInfo.InvariantCulture)));
                    break;
            }
        }
    }

    private static List<KeyValuePair<string, object?>> ReadTags(ref WireReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0 || count > MaxTags)
        {
            throw new InvalidDataException($"Malformed spans frame: {count} tags.");
        }

        var tags = new List<KeyValuePair<string, object?>>(count);
        for (int i = 0; i < count; i++)
        {
            string key = reader.ReadString() ?? string.Empty;
            object? value = reader.ReadByte() switch
            {
                NullValue => null,
                BoolValue => reader.ReadByte() != 0,
                LongValue => reader.ReadInt64(),
                DoubleValue => BitConverter.Int64BitsToDouble(reader.ReadInt64()),
                StringValue => reader.ReadString(),
                byte other => throw new InvalidDataException($"Malformed spans frame: tag value kind {other}."),
            };
            tags.Add(new(key, value));
        }

        return tags;
    }

    private static string? Cut(string? text) => text is { Length: > MaxStringChars } ? text[..MaxStringChars] : text;

    /// <summary>One span as the worker sent it.</summary>
    private sealed class Shipped
    {
        public ActivitySpanId Id { get; private init; }

        public ActivitySpanId ParentId { get; private init; }

        public string Source { get; private init; } = string.Empty;

        public string Name { get; private init; } = string.Empty;

        public string? DisplayName { get; private init; }

        public ActivityKind Kind { get; private init; }

        public DateTime Start { get; private init; }

        public long DurationTicks { get; private init; }

        public ActivityStatusCode Status { get; private init; }

        public string? StatusDescription { get; private init; }

        public List<KeyValuePair<string, object?>> Tags { get; private init; } = [];

        public List<ActivityEvent> Events { get; } = [];

        /// <summary>The context its children go under, once emitted.</summary>
        public ActivityContext? EmittedAs { get; set; }

        public static Shipped Read(ref WireReader reader)
        {
            ReadOnlySpan<byte> ids = reader.ReadSpan(16);
            var span = new Shipped
            {
                Id = ActivitySpanId.CreateFromBytes(ids[..8]),
                ParentId = ActivitySpanId.CreateFromBytes(ids[8..]),
                Source = reader.ReadString() ?? string.Empty,
                Name = reader.ReadString() ?? string.Empty,
                DisplayName = reader.ReadString(),
                Kind = (ActivityKind)reader.ReadByte(),
                Start = new DateTime(reader.ReadInt64(), DateTimeKind.Utc),
                DurationTicks = reader.ReadInt64(),
                Status = (ActivityStatusCode)reader.ReadByte(),
                StatusDescription = reader.ReadString(),
                Tags = ReadTags(ref reader),
            };
            int events = reader.ReadInt32();
            if (events < 0 || events > MaxEvents)
            {
                throw new InvalidDataException($"Malformed spans frame: {events} events.");
            }

            for (int i = 0; i < events; i++)
            {
                string name = reader.ReadString() ?? string.Empty;
                var timestamp = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
                span.Events.Add(new ActivityEvent(name, timestamp, new ActivityTagsCollection(ReadTags(ref reader))));
            }

            return span;
        }
    }
}

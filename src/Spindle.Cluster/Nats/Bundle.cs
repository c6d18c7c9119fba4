using System.Buffers.Binary;
using System.Text;

namespace Spindle.Cluster.Nats;

/// <summary>
/// Several tiny calls of one client in one message, and their answers in one message back: a message costs the server
/// a store, a delivery, an ack and a delete, and each of the client and the agent a wake-up, whatever it carries, so
/// tiny calls that would queue in the stream anyway travel together (see ClusterClient.Bundling.cs).
/// </summary>
/// <remarks>
/// The calls of a bundle share its headers (client, build, serializer, sign-of-life period) and its delivery: the
/// agent claims them, runs them and acks the message together, and answers them in one <c>results</c> message (or
/// several, none above the server's max_payload). Each call still has its own key, flight, stops, signs of life,
/// timeout and retries: a bundle is only how calls travel. Bodies, all integers little-endian:
/// <code>
///  calls:   count × { callId i64, attempt i32, length i32, frame }
///  keys:    count × { callId i64, attempt i32 }                 (a claim; its reply: count × {0|1})
///  answers: count × { callId i64, attempt i32, outcome u8, worker i32, exit i32 (or -1), signal i32 (or -1),
///                     run µs i64, cause: length i32 + UTF-8, value: length i32 + UTF-8, body: length i32 + bytes }
/// </code>
/// </remarks>
internal static class Bundle
{
    /// <summary>The most calls one bundle carries: beyond it the message saves little, and one agent would hold too many at once.</summary>
    public const int MaxCalls = 32;

    /// <summary>A call's frame above this travels alone (the bundle would gain nothing, and large bodies are the values bucket's).</summary>
    public const int MaxFrameBytes = 16 * 1024;

    public readonly record struct CallEntry(long CallId, int Attempt, ReadOnlyMemory<byte> Frame);

    /// <summary>The bytes a call with a frame of <paramref name="frameBytes"/> takes in a bundle.</summary>
    public static long EntryBytes(int frameBytes) => 16 + frameBytes;

    /// <summary>
    /// How many calls, in order, go in each message: at most <paramref name="maxCalls"/> per bundle, and no bundle
    /// larger than a server accepting <paramref name="maxPayload"/> bytes per message takes (see LargeValues); a
    /// count of 1 is a call that goes alone.
    /// </summary>
    public static List<int> Plan(IReadOnlyList<int> frameBytes, int maxCalls, long? maxPayload)
    {
        var counts = new List<int>();
        int count = 0;
        long bytes = 0;
        foreach (int frame in frameBytes)
        {
            long more = EntryBytes(frame);
            if (count > 0 && (count >= maxCalls || LargeValues.TooLargeForMessage(bytes + more, maxPayload)))
            {
                counts.Add(count);
                count = 0;
                bytes = 0;
            }

            count++;
            bytes += more;
        }

        if (count > 0)
        {
            counts.Add(count);
        }

        return counts;
    }

    public static byte[] EncodeCalls(IReadOnlyList<CallEntry> calls)
    {
        int size = 0;
        foreach (CallEntry call in calls)
        {
            size += (int)EntryBytes(call.Frame.Length);
        }

        byte[] body = new byte[size];
        Span<byte> span = body;
        foreach (CallEntry call in calls)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span, call.CallId);
            BinaryPrimitives.WriteInt32LittleEndian(span[8..], call.Attempt);
            BinaryPrimitives.WriteInt32LittleEndian(span[12..], call.Frame.Length);
            call.Frame.Span.CopyTo(span[16..]);
            span = span[(16 + call.Frame.Length)..];
        }

        return body;
    }

    public static List<CallEntry> DecodeCalls(byte[] body)
    {
        var calls = new List<CallEntry>();
        int at = 0;
        while (at < body.Length)
        {
            Need(body, at, 16);
            long callId = BinaryPrimitives.ReadInt64LittleEndian(body.AsSpan(at));
            int attempt = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at + 8));
            int length = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at + 12));
            Need(body, at + 16, length);
            calls.Add(new CallEntry(callId, attempt, body.AsMemory(at + 16, length)));
            at += 16 + length;
        }

        return calls;
    }

    public static byte[] EncodeKeys(IReadOnlyList<(long CallId, int Attempt)> keys)
    {
        byte[] body = new byte[keys.Count * 12];
        for (int i = 0; i < keys.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(i * 12), keys[i].CallId);
            BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan((i * 12) + 8), keys[i].Attempt);
        }

        return body;
    }

    public static List<(long CallId, int Attempt)> DecodeKeys(byte[]? body)
    {
        body ??= [];
        if (body.Length % 12 != 0)
        {
            throw new FormatException($"A bundle's key list takes {body.Length} bytes, not a multiple of 12.");
        }

        var keys = new List<(long, int)>(body.Length / 12);
        for (int at = 0; at < body.Length; at += 12)
        {
            keys.Add((BinaryPrimitives.ReadInt64LittleEndian(body.AsSpan(at)), BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at + 8))));
        }

        return keys;
    }

    public static byte[] EncodeAnswers(IReadOnlyList<(long CallId, int Attempt, CallAnswer Answer)> answers)
    {
        using var buffer = new MemoryStream();
        Span<byte> number = stackalloc byte[8];
        foreach ((long callId, int attempt, CallAnswer answer) in answers)
        {
            BinaryPrimitives.WriteInt64LittleEndian(number, callId);
            buffer.Write(number);
            WriteInt(buffer, attempt);
            buffer.WriteByte((byte)answer.Outcome);
            WriteInt(buffer, answer.WorkerProcessId);
            WriteInt(buffer, answer.ExitCode ?? -1);
            WriteInt(buffer, answer.Signal ?? -1);
            BinaryPrimitives.WriteInt64LittleEndian(number, answer.RunMicros);
            buffer.Write(number);
            WriteBytes(buffer, answer.Cause is null ? [] : Encoding.UTF8.GetBytes(answer.Cause));
            WriteBytes(buffer, answer.ValueName is null ? [] : Encoding.UTF8.GetBytes(answer.ValueName));
            WriteBytes(buffer, answer.Body);
        }

        return buffer.ToArray();
    }

    public static List<(long CallId, int Attempt, CallAnswer Answer)> DecodeAnswers(byte[]? body)
    {
        body ??= [];
        var answers = new List<(long, int, CallAnswer)>();
        int at = 0;
        while (at < body.Length)
        {
            Need(body, at, 33);
            long callId = BinaryPrimitives.ReadInt64LittleEndian(body.AsSpan(at));
            int attempt = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at + 8));
            var outcome = (CallOutcome)body[at + 12];
            int worker = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at + 13));
            int exit = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at + 17));
            int signal = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at + 21));
            long runMicros = BinaryPrimitives.ReadInt64LittleEndian(body.AsSpan(at + 25));
            at += 33;
            byte[] cause = ReadBytes(body, ref at);
            byte[] value = ReadBytes(body, ref at);
            byte[] payload = ReadBytes(body, ref at);
            if (!Enum.IsDefined(outcome))
            {
                throw new FormatException($"A bundle answer has the unknown outcome {(int)outcome}.");
            }

            answers.Add((callId, attempt, new CallAnswer(outcome, payload)
            {
                WorkerProcessId = worker,
                ExitCode = exit < 0 ? null : exit,
                Signal = signal < 0 ? null : signal,
                RunMicros = runMicros,
                Cause = cause.Length == 0 ? null : Encoding.UTF8.GetString(cause),
                ValueName = value.Length == 0 ? null : Encoding.UTF8.GetString(value),
            }));
        }

        return answers;
    }

    /// <summary>The bytes an answer takes in a bundle, to split answers over messages the server accepts.</summary>
    public static long AnswerBytes(CallAnswer answer) => 53 + answer.Body.Length + (answer.Cause?.Length * 4 ?? 0) + (answer.ValueName?.Length ?? 0);

    private static void WriteInt(MemoryStream buffer, int value)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, value);
        buffer.Write(number);
    }

    private static void WriteBytes(MemoryStream buffer, ReadOnlySpan<byte> bytes)
    {
        WriteInt(buffer, bytes.Length);
        buffer.Write(bytes);
    }

    private static byte[] ReadBytes(byte[] body, ref int at)
    {
        Need(body, at, 4);
        int length = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at));
        Need(body, at + 4, length);
        byte[] bytes = body.AsSpan(at + 4, length).ToArray();
        at += 4 + length;
        return bytes;
    }

    private static void Need(byte[] body, int at, int length)
    {
        if (length < 0 || at + (long)length > body.Length)
        {
            throw new FormatException($"A bundle body of {body.Length} bytes ends inside an entry at byte {at}.");
        }
    }
}

/// <summary>How a call ended on an agent.</summary>
internal enum CallOutcome : byte
{
    /// <summary>The worker answered: the body is the result payload (or, with a value name, it is in the values bucket).</summary>
    Result = 0,

    /// <summary>The worker process died: the body is its stderr tail; worker, exit, signal and cause say how.</summary>
    Crashed = 1,

    /// <summary>It could not run (no build, a faulted pool, stopped by its caller): the body is why, in UTF-8.</summary>
    Error = 2,
}

/// <summary>One call's answer from an agent, whether it travels alone (in headers and body) or in a bundle.</summary>
internal sealed record CallAnswer(CallOutcome Outcome, byte[] Body)
{
    public int WorkerProcessId { get; init; }

    public int? ExitCode { get; init; }

    public int? Signal { get; init; }

    public string? Cause { get; init; }

    /// <summary>How long the worker took, in microseconds (0 when it did not run): the caller bundles calls only while they are short.</summary>
    public long RunMicros { get; init; }

    /// <summary>The values-bucket object holding a result too large for a message; the body is empty then.</summary>
    public string? ValueName { get; init; }
}

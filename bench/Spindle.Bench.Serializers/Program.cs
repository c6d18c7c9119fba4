// Encode + decode of one record-heavy payload (1,000 records with strings, numbers and nested arrays) through each
// ICallSerializer, in one run, with System.Text.Json (Spindle's default for records) as the baseline: the machines are
// noisy, so only the ratios travel. No worker processes: this measures the formats, not the transport.
//   dotnet run -c Release --project bench/Spindle.Bench.Serializers
using System.Buffers;
using System.Diagnostics;
using Spindle.Bench.Serializers;
using Spindle.Calls.Serialization;
using Spindle.Serialization.MemoryPack;
using Spindle.Serialization.MessagePack;

const int WarmUpRounds = 5;
const int Rounds = 15;
const int CallsPerRound = 20;

List<Shipment> payload = Shipments.Create(1_000);
Type type = payload.GetType();
(string Name, ICallSerializer Serializer)[] formats =
[
    ("System.Text.Json", new JsonCallSerializer()),
    ("MemoryPack", new MemoryPackCallSerializer()),
    ("MessagePack", new MessagePackCallSerializer()),
];

var buffer = new ArrayBufferWriter<byte>(1 << 20);
var results = new List<(string Name, int Bytes, TimeSpan Median)>();
foreach ((string name, ICallSerializer serializer) in formats)
{
    Check(serializer, buffer);
    for (int i = 0; i < WarmUpRounds; i++)
    {
        Round(serializer, buffer);
    }

    // Rounds of the formats are not interleaved: each runs warm, and the median discards a round a neighbour disturbed.
    var times = new TimeSpan[Rounds];
    for (int i = 0; i < Rounds; i++)
    {
        times[i] = Round(serializer, buffer) / CallsPerRound;
    }

    Array.Sort(times);
    results.Add((name, buffer.WrittenCount, times[Rounds / 2]));
}

(_, int jsonBytes, TimeSpan jsonTime) = results[0];
Console.WriteLine($"Encode + decode of {payload.Count:N0} records, median of {Rounds} rounds of {CallsPerRound} ({Environment.ProcessorCount} cores, .NET {Environment.Version})");
Console.WriteLine($"{"format",-18}{"bytes",12}{"µs/payload",14}{"MB/s",10}{"speed vs JSON",16}{"size vs JSON",15}");
foreach ((string name, int bytes, TimeSpan median) in results)
{
    double megabytesPerSecond = bytes / median.TotalSeconds / 1e6;
    Console.WriteLine($"{name,-18}{bytes,12:N0}{median.TotalMicroseconds,14:N0}{megabytesPerSecond,10:N0}{jsonTime / median,15:N2}x{(double)bytes / jsonBytes,14:N2}x");
}

Console.WriteLine("MB/s counts each format's own encoded bytes; speed vs JSON is JSON's time over the format's time.");

TimeSpan Round(ICallSerializer serializer, ArrayBufferWriter<byte> destination)
{
    long start = Stopwatch.GetTimestamp();
    for (int i = 0; i < CallsPerRound; i++)
    {
        destination.ResetWrittenCount();
        serializer.Serialize(destination, payload, type);
        _ = serializer.Deserialize(destination.WrittenSpan, type);
    }

    return Stopwatch.GetElapsedTime(start);
}

// A format that lost data would look fast: check one round trip before timing it.
void Check(ICallSerializer serializer, ArrayBufferWriter<byte> destination)
{
    destination.ResetWrittenCount();
    serializer.Serialize(destination, payload, type);
    var back = (List<Shipment>)serializer.Deserialize(destination.WrittenSpan, type)!;
    if (back.Count != payload.Count || back[^1].Customer != payload[^1].Customer || back[^1].Grid[0][1] != payload[^1].Grid[0][1]
        || back[^1].Parcels[0].Dimensions[2] != payload[^1].Parcels[0].Dimensions[2] || back[^1].Price != payload[^1].Price)
    {
        throw new InvalidOperationException($"{serializer.GetType().Name} did not round-trip the payload.");
    }
}

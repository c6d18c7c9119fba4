using System.Buffers;
using MemoryPack;
using Spindle.Serialization.MemoryPack;
using Spindle.Tests.Support;

namespace Spindle.Serialization.Tests.MemoryPack;

/// <summary>MemoryPackCallSerializer with options of its own, built in each worker by WorkerPoolOptions.SerializerFactory.</summary>
public class MemoryPackOptionsTests
{
    [Fact]
    public async Task RunAsync_FactoryWithUtf16Strings_RoundTripsRecordsThroughAWorkerProcess()
    {
        await using WorkerPool pool = new(new WorkerPoolOptions
        {
            Workers = 1,
            SerializerFactory = () => new MemoryPackCallSerializer(MemoryPackSerializerOptions.Utf16),
        });
        List<Shipment> payload = Shipments.Create(100);

        List<Shipment> back = await pool.RunAsync(x => x, payload).Within("identity call");

        Payloads.AssertSame(payload, back);
    }

    [Fact]
    public void Serialize_Utf16Options_WritesStringsTwoBytesACharacter()
    {
        var parcel = new Parcel(new string('a', 1_000), [1.0]);

        int utf8 = WrittenBytes(new MemoryPackCallSerializer(), parcel);
        int utf16 = WrittenBytes(new MemoryPackCallSerializer(MemoryPackSerializerOptions.Utf16), parcel);

        Assert.True(utf16 - utf8 >= 900, $"UTF-16 wrote {utf16} bytes, UTF-8 {utf8}: the options were not used.");
    }

    private static int WrittenBytes(MemoryPackCallSerializer serializer, Parcel parcel)
    {
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(buffer, parcel, typeof(Parcel));
        return buffer.WrittenCount;
    }
}

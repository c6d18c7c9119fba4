using System.Text.Json;
using System.Text.Json.Serialization;
using Spindle.Calls.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Calls;

/// <summary>WorkerPoolOptions.SerializerFactory with the built-in JSON serializer and its own options.</summary>
public class SerializerFactoryTests
{
    [Fact]
    public async Task JsonFactoryWithAConverter_TheWorkerReadsArgumentsThroughTheConverter()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.SerializerFactory = () => new JsonCallSerializer(TaggingJson.Options));

        (int readInWorker, Tagged back) = await pool.RunAsync(t => (t.ReadInPid, t), new Tagged("parcel", 0)).Within("tagged round trip");

        Assert.NotEqual(0, readInWorker);
        Assert.NotEqual(Environment.ProcessId, readInWorker);
        Assert.Equal("parcel", back.Name);
        Assert.Equal(Environment.ProcessId, back.ReadInPid);
    }

    [Fact]
    public void FactoryReturningNull_IsRefusedWhenThePoolIsCreated()
    {
        var options = new WorkerPoolOptions { Isolation = Isolation.Thread, Workers = 1, SerializerFactory = () => null! };

        var error = Assert.Throws<ArgumentException>(() => new WorkerPool(options));

        Assert.Equal(nameof(WorkerPoolOptions.SerializerFactory), error.ParamName);
    }

    [Fact]
    public void LambdaUsingThis_IsRefusedNamingTheOptionAndTheBoundType()
    {
        var holder = new OptionsHolder();

        var error = Assert.Throws<ArgumentException>(holder.UseOwnOptions);

        Assert.Equal(nameof(WorkerPoolOptions.SerializerFactory), error.ParamName);
        Assert.Contains(nameof(OptionsHolder), error.Message, StringComparison.Ordinal);
        Assert.Contains("static method", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtensionMethodBoundToAValue_IsRefusedNamingTheOption()
    {
        JsonSerializerOptions json = TaggingJson.Options;

        var error = Assert.Throws<ArgumentException>(() => new WorkerPoolOptions { SerializerFactory = json.BuildFrom });

        Assert.Equal(nameof(WorkerPoolOptions.SerializerFactory), error.ParamName);
        Assert.Contains(nameof(JsonSerializerOptions), error.Message, StringComparison.Ordinal);
    }

    public sealed record Tagged(string Name, int ReadInPid);

    /// <summary>JSON options whose converter writes a <see cref="Tagged"/> as its name and tags it with the reading process.</summary>
    public static class TaggingJson
    {
        public static JsonSerializerOptions Options { get; } = new(JsonCallSerializer.DefaultOptions) { Converters = { new TaggedConverter() } };

        private sealed class TaggedConverter : JsonConverter<Tagged>
        {
            public override Tagged Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
                new(reader.GetString()!, Environment.ProcessId);

            public override void Write(Utf8JsonWriter writer, Tagged value, JsonSerializerOptions options) =>
                writer.WriteStringValue(value.Name);
        }
    }

    private sealed class OptionsHolder
    {
        private readonly JsonSerializerOptions _options = new(JsonCallSerializer.DefaultOptions);

        public void UseOwnOptions() => _ = new WorkerPoolOptions { SerializerFactory = () => new JsonCallSerializer(_options) };
    }
}

/// <summary>An extension method turned into a delegate is bound to the value it was called on.</summary>
internal static class SerializerFactoryExtensions
{
    public static ICallSerializer BuildFrom(this JsonSerializerOptions options) => new JsonCallSerializer(options);
}

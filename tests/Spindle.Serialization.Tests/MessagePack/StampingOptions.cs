using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using Spindle.Calls.Serialization;
using Spindle.Serialization.MessagePack;

namespace Spindle.Serialization.Tests.MessagePack;

/// <summary>
/// A value whose formatter marks it with the process that read it: a worker that reads it through the configured
/// options reports its own process id, so a test can see which options each process used. Written without the
/// mark (one text in an array), so the default contractless resolver, which expects a map, cannot read it.
/// </summary>
public sealed record Stamped(string Text, int ReadByProcess);

/// <summary>MessagePack options a factory builds: a resolver with <see cref="StampedFormatter"/>, and LZ4 compression.</summary>
public static class StampingOptions
{
    public static MessagePackSerializerOptions Lz4 { get; } = MessagePackCallSerializer.DefaultOptions
        .WithResolver(CompositeResolver.Create([new StampedFormatter()], [ContractlessStandardResolver.Instance]))
        .WithCompression(MessagePackCompression.Lz4BlockArray);

    /// <summary>What the factory built last in this process, and how often it ran here.</summary>
    public static MessagePackCallSerializer? Built { get; private set; }

    public static int FactoryCalls => _factoryCalls;

    private static int _factoryCalls;

    /// <summary>A static method as factory: it records what it built, so a worker can report its own serializer.</summary>
    public static ICallSerializer Build()
    {
        Interlocked.Increment(ref _factoryCalls);
        Built = new MessagePackCallSerializer(Lz4);
        return Built;
    }

    /// <summary>What the serializer built in this process says of itself: process id, factory calls, compression, resolver.</summary>
    public static string Report() =>
        $"{Environment.ProcessId}|{FactoryCalls}|{Built?.Options.Compression}|{Built?.Options.Resolver.GetType().Name}";

    private sealed class StampedFormatter : IMessagePackFormatter<Stamped?>
    {
        public void Serialize(ref MessagePackWriter writer, Stamped? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }

            writer.WriteArrayHeader(1);
            writer.Write(value.Text);
        }

        public Stamped? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
            {
                return null;
            }

            int count = reader.ReadArrayHeader();
            Assert.Equal(1, count);
            return new Stamped(reader.ReadString()!, Environment.ProcessId);
        }
    }
}

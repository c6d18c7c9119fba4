using Spindle.Serialization.MessagePack;
using Spindle.Tests.Support;

namespace Spindle.Serialization.Tests.MessagePack;

public class MessagePackCallSerializerTests
{
    [Theory]
    [InlineData(Isolation.Process)]
    [InlineData(Isolation.Thread)]
    public async Task RunAsync_ThousandRecords_RoundTripUnchanged(Isolation isolation)
    {
        await using WorkerPool pool = Pool(isolation);
        List<Shipment> payload = Shipments.Create(1_000);

        List<Shipment> back = await pool.RunAsync(x => x, payload).Within("identity call");

        Payloads.AssertSame(payload, back);
    }

    [Theory]
    [InlineData(Isolation.Process)]
    [InlineData(Isolation.Thread)]
    public async Task RunAsync_TransformingLambda_ReturnsTheTransformedRecords(Isolation isolation)
    {
        await using WorkerPool pool = Pool(isolation);
        List<Shipment> payload = Shipments.Create(1_000);

        List<Shipment> back = await pool.RunAsync(list => list.Select(Transform).ToList(), payload).Within("transforming call");

        Payloads.AssertSame(payload.Select(Transform).ToList(), back);
    }

    [Fact]
    public async Task RunAsync_ArgumentMessagePackCannotRebuild_FailsAtTheCallSiteNamingIt()
    {
        await using WorkerPool pool = Pool(Isolation.Process);

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(opaque => opaque.Doubled, new Opaque(2)));

        Assert.Equal("argument 'opaque'", error.Variable);
        Assert.Equal(typeof(Opaque), error.VariableType);
        Assert.Contains("MessagePack", error.Message, StringComparison.Ordinal);
        Assert.Contains("constructor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CapturedVariableMessagePackCannotRebuild_FailsAtTheCallSiteOnAThreadToo()
    {
        await using WorkerPool pool = Pool(Isolation.Thread);
        var seed = new Opaque(3);

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(() => seed.Doubled));

        Assert.Equal("captured variable 'seed'", error.Variable);
    }

    [Theory]
    [InlineData(Isolation.Process)]
    [InlineData(Isolation.Thread)]
    public async Task RunAsync_ArgumentThatRefersBackToItself_FailsAtTheCallSiteNamingIt(Isolation isolation)
    {
        // Writing it recursed until the stack overflowed, which ended the caller's process.
        await using WorkerPool pool = Pool(isolation);
        var loop = new Link { Name = "a" };
        loop.Next = loop;

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(link => link.Name, loop));
        Assert.Equal("argument 'link'", error.Variable);
        Assert.Contains("more than 256 levels deep", error.Message, StringComparison.Ordinal);

        // A chain within the limit still crosses.
        var chain = new Link { Name = "head", Next = new Link { Name = "tail" } };
        Assert.Equal("tail", await pool.RunAsync(link => link.Next!.Name, chain).WaitAsync(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task RunAsync_LocalAndUnspecifiedDateTimes_ArriveWithTheirKindAndTicks()
    {
        // MessagePack's timestamp made a local time UTC (another hour, unless this machine's zone is UTC; Kind Utc always).
        await using WorkerPool pool = Pool(Isolation.Process);
        var sent = new Stamps(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Local), new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Unspecified));
        Stamps back = await pool.RunAsync(stamps => stamps, sent).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal((DateTimeKind.Local, sent.Local.Ticks), (back.Local.Kind, back.Local.Ticks));
        Assert.Equal((DateTimeKind.Unspecified, sent.Unspecified.Ticks), (back.Unspecified.Kind, back.Unspecified.Ticks));
    }

    public sealed record Stamps(DateTime Local, DateTime Unspecified);

    public sealed class Link
    {
        public string Name { get; set; } = "";

        public Link? Next { get; set; }
    }

    private static Shipment Transform(Shipment s) => s with
    {
        Customer = s.Customer.ToUpperInvariant(),
        Price = s.Price * 2,
        Parcels = [.. s.Parcels.Select(p => p with { Dimensions = [.. p.Dimensions.Select(d => d * 2)] })],
        Tags = [.. s.Tags, "seen"],
    };

    private static WorkerPool Pool(Isolation isolation) =>
        new(new WorkerPoolOptions { Isolation = isolation, Workers = 1, Serializer = new MessagePackCallSerializer() });
}

using Spindle.Serialization.MemoryPack;
using Spindle.Tests.Support;

namespace Spindle.Serialization.Tests.MemoryPack;

public class MemoryPackCallSerializerTests
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
    public async Task RunAsync_BigIntegerAloneAndInARecord_ArriveWholeBothWays()
    {
        // MemoryPack 1.22's own formatter wrote the unused end of its scratch buffer: every BigInteger arrived as 0.
        await using WorkerPool pool = Pool(Isolation.Process);
        var big = System.Numerics.BigInteger.Parse("-123456789012345678901234567890123456789", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(big * 2, await pool.RunAsync(static b => b * 2, big).Within("a BigInteger doubled in a worker"));
        Ledger back = await pool.RunAsync(static l => l with { Total = l.Total + 1 }, new Ledger("books", big)).Within("a record holding a BigInteger");
        Assert.Equal(new Ledger("books", big + 1), back);
    }

    [Fact]
    public async Task RunAsync_ArgumentNotMemoryPackable_FailsAtTheCallSiteNamingIt()
    {
        await using WorkerPool pool = Pool(Isolation.Process);

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(unmarked => unmarked.Name, new Unmarked("a")));

        Assert.Equal("argument 'unmarked'", error.Variable);
        Assert.Equal(typeof(Unmarked), error.VariableType);
        Assert.Contains("[MemoryPackable]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CapturedVariableNotMemoryPackable_FailsAtTheCallSiteOnAThreadToo()
    {
        await using WorkerPool pool = Pool(Isolation.Thread);
        var label = new Unmarked("b");

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(() => label.Name));

        Assert.Equal("captured variable 'label'", error.Variable);
    }

    private static Shipment Transform(Shipment s) => s with
    {
        Customer = s.Customer.ToUpperInvariant(),
        Price = s.Price * 2,
        Parcels = [.. s.Parcels.Select(p => p with { Dimensions = [.. p.Dimensions.Select(d => d * 2)] })],
        Tags = [.. s.Tags, "seen"],
    };

    private static WorkerPool Pool(Isolation isolation) =>
        new(new WorkerPoolOptions { Isolation = isolation, Workers = 1, Serializer = new MemoryPackCallSerializer() });
}

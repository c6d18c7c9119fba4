using System.Buffers;
using System.Text;
using Spindle.Calls.Serialization;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Calls;

public class SerializationTests
{
    [Fact]
    public async Task RunAsync_PrimitivesStringsBytesAndUnmanagedArrays_RoundTripExactly()
    {
        await using WorkerPool pool = TestPools.Process();
        double[] samples = [1.5, double.NaN, -0.0, double.MaxValue];
        Point[] points = [new(1, 2), new(3, 4)];
        byte[] blob = [0, 255, 7];

        Assert.Equal(samples, await pool.RunAsync(a => a, samples).Within("double[]"));
        Assert.Equal(points, await pool.RunAsync(a => a, points).Within("struct[]"));
        Assert.Equal(blob, await pool.RunAsync(a => a, blob).Within("byte[]"));
        Assert.Equal("héllo 🌍", await pool.RunAsync(s => s, "héllo 🌍").Within("string"));
        Assert.Equal(decimal.MaxValue, await pool.RunAsync(d => d, decimal.MaxValue).Within("decimal"));
        Assert.Equal(DayOfWeek.Friday, await pool.RunAsync(d => d, DayOfWeek.Friday).Within("enum"));
        Assert.Null(await pool.RunAsync(s => s, (string?)null).Within("null"));
        Assert.Equal(5, await pool.RunAsync(n => n, (int?)5).Within("nullable"));
    }

    [Fact]
    public async Task RunAsync_JsonTypes_RecordsCollectionsAndDictionariesRoundTrip()
    {
        await using WorkerPool pool = TestPools.Process();
        var order = new Order("A-1", [new Line("pen", 2), new Line("ink", 1)], new Dictionary<string, int> { ["pen"] = 3 });

        Order back = await pool.RunAsync(o => o with { Id = o.Id + "!" }, order).Within("record");

        Assert.Equal("A-1!", back.Id);
        Assert.Equal(order.Lines, back.Lines);
        Assert.Equal(3, back.Stock["pen"]);
    }

    [Fact]
    public async Task RunAsync_ValueDeclaredAsObjectOrInterface_KeepsItsRuntimeType()
    {
        await using WorkerPool pool = TestPools.Process();
        object boxed = new Line("pen", 2);
        IReadOnlyList<int> list = new List<int> { 1, 2 };

        string seen = await pool.RunAsync((o, l) => $"{o.GetType().Name}:{l.GetType().Name}", boxed, list).Within("polymorphic");

        Assert.Equal("Line:List`1", seen);
    }

    [Fact]
    public async Task CustomSerializer_IsUsedInBothProcesses()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.Serializer = new MoneySerializer());
        var price = new Money(12.5m);

        (int decodedInPid, decimal amount) = await pool.RunAsync(m => (m.DecodedInPid, m.Amount * 2), price).Within("custom serializer call");
        Money back = await pool.RunAsync(m => new Money(m.Amount + 1), price).Within("custom serializer result");

        Assert.NotEqual(Environment.ProcessId, decodedInPid);
        Assert.NotEqual(0, decodedInPid);
        Assert.Equal(25m, amount);
        Assert.Equal(13.5m, back.Amount);
        Assert.Equal(Environment.ProcessId, back.DecodedInPid);
    }

    [Fact]
    public async Task CustomSerializerThrowingWhileTheCallerReadsAResult_FailsThatCallOnly()
    {
        // It threw on the pool's reader thread, and the caller's process ended (exit 134).
        PickySerializer.ThrowInProcess = Environment.ProcessId;
        await using WorkerPool pool = TestPools.Process(configure: o => o.Serializer = new PickySerializer());
        var error = await Assert.ThrowsAsync<SpindleException>(() => pool.RunAsync(() => new Box("made in the worker")).Within("the result that cannot be read"));
        Assert.IsType<FormatException>(Assert.IsType<ProcessBoundaryException>(error.InnerException).InnerException);
        Assert.Contains("could not be read", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, await pool.RunAsync(() => 2).Within("the next call"));
    }

    [Theory]
    [InlineData(Isolation.Process)]
    [InlineData(Isolation.Thread)]
    public async Task RunAsync_ValueWhoseSerializerThrowsAnUnexpectedException_FailsAtTheCallSiteNamingTheArgument(Isolation isolation)
    {
        // System.Text.Json reads IPAddress.ScopeId, which throws SocketException for an IPv4 address: it reached the
        // caller raw, naming nothing.
        await using WorkerPool pool = TestPools.Create(isolation);
        var error = await Assert.ThrowsAsync<ProcessBoundaryException>(() => pool.RunAsync(address => address.ToString(), System.Net.IPAddress.Parse("10.1.2.3")));
        Assert.Equal("argument 'address'", error.Variable);
        Assert.IsType<System.Net.Sockets.SocketException>(error.InnerException);
    }

    public sealed record Box(string Text);

    /// <summary>Reads a <see cref="Box"/> anywhere but in the process it is told to fail in.</summary>
    public sealed class PickySerializer : ICallSerializer
    {
        public static int ThrowInProcess { get; set; }

        public bool CanSerialize(Type type) => type == typeof(Box);

        public void Serialize(IBufferWriter<byte> destination, object value, Type type) => destination.Write(Encoding.UTF8.GetBytes(((Box)value).Text));

        public object? Deserialize(ReadOnlySpan<byte> source, Type type) =>
            Environment.ProcessId == ThrowInProcess ? throw new FormatException("this process reads no box") : new Box(Encoding.UTF8.GetString(source));
    }

    public readonly record struct Point(double X, double Y);

    public sealed record Line(string Item, int Quantity);

    public sealed record Order(string Id, List<Line> Lines, Dictionary<string, int> Stock);

    /// <summary>Records the pid of the process that decoded it, so a test can see where decoding happened.</summary>
    public sealed class Money(decimal amount)
    {
        public decimal Amount { get; } = amount;

        public int DecodedInPid { get; init; }
    }

    public sealed class MoneySerializer : ICallSerializer
    {
        public bool CanSerialize(Type type) => type == typeof(Money);

        public void Serialize(IBufferWriter<byte> destination, object value, Type type) =>
            destination.Write(Encoding.UTF8.GetBytes("money:" + ((Money)value).Amount.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        public object? Deserialize(ReadOnlySpan<byte> source, Type type) =>
            new Money(decimal.Parse(Encoding.UTF8.GetString(source)["money:".Length..], System.Globalization.CultureInfo.InvariantCulture))
            {
                DecodedInPid = Environment.ProcessId,
            };
    }
}

using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Numerics;
using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Calls;

/// <summary>Values that System.Text.Json used to write and read back different, without an error, now arrive as they were sent.</summary>
public class JsonRoundTripTests
{
    [Fact]
    public async Task RunAsync_BigInteger_ArrivesIntactBothWays()
    {
        // It arrived as zero: System.Text.Json wrote IsZero, Sign… and read back a default BigInteger.
        await using WorkerPool pool = TestPools.Process();
        BigInteger huge = -BigInteger.Pow(3, 200);
        var ledger = new Ledger("debt", huge, new Dictionary<BigInteger, string> { [huge] = "key" });

        Assert.Equal(huge * 2, await pool.RunAsync(b => b * 2, huge).Within("a BigInteger argument and result"));
        Ledger back = await pool.RunAsync(l => l with { Total = l.Total + 1 }, ledger).Within("a BigInteger member");

        Assert.Equal(huge + 1, back.Total);
        Assert.Equal("key", back.Names[huge]);
    }

    [Fact]
    public async Task RunAsync_Stacks_KeepTheirOrderBothWays()
    {
        // System.Text.Json writes a stack top first and pushes it back in that order: it arrived upside down.
        await using WorkerPool pool = TestPools.Process();
        var stack = new Stack<int>([1, 2, 3]);
        var concurrent = new ConcurrentStack<string>(["a", "b", "c"]);
        ImmutableStack<int> immutable = ImmutableStack.Create(1, 2, 3);

        Assert.Equal(new[] { 3, 2, 1 }, await pool.RunAsync(s => s.ToArray(), stack).Within("Stack<int>"));
        Assert.Equal(new[] { "c", "b", "a" }, await pool.RunAsync(s => s.ToArray(), concurrent).Within("ConcurrentStack<string>"));
        Assert.Equal(new[] { 3, 2, 1 }, await pool.RunAsync(s => s.ToArray(), immutable).Within("ImmutableStack<int>"));
        Assert.Equal(new[] { 4, 3, 2, 1 }, await pool.RunAsync(s => { s.Push(4); return s; }, stack).Within("a stack sent back"));
    }

    [Fact]
    public async Task RunAsync_PropertiesWithAPrivateSetter_ArriveWithTheirValuesBothWays()
    {
        // Written but not read back: the property arrived at its default.
        await using WorkerPool pool = TestPools.Process();
        var tally = new NamedTally("votes");
        tally.Add(3);

        Assert.Equal("votes:3", await pool.RunAsync(t => t.Name + ":" + t.Count, tally).Within("private setters sent to the worker"));
        NamedTally back = await pool.RunAsync(t => { t.Add(2); return t; }, tally).Within("private setters sent back");

        Assert.Equal(("votes", 5), (back.Name, back.Count));
    }

    public sealed record Ledger(string Name, BigInteger Total, Dictionary<BigInteger, string> Names);

    /// <summary>Its count has a private setter in a base class, its name one of its own.</summary>
    public class Tally
    {
        public int Count { get; private set; }

        public void Add(int votes) => Count += votes;
    }

    public sealed class NamedTally : Tally
    {
        public NamedTally()
        {
        }

        public NamedTally(string name) => Name = name;

        public string Name { get; private set; } = "";
    }
}

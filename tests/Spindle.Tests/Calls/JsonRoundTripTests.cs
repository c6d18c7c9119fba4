using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
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
    public async Task RunAsync_MemberDeclaredObject_KeepsItsRuntimeTypeBothWays()
    {
        // A member declared object (a property, a dictionary's value) arrived as a JsonElement.
        await using WorkerPool pool = TestPools.Process();
        var envelope = new Envelope(
            new Item("pen", 2),
            new Dictionary<string, object?> { ["count"] = 5, ["big"] = 5L, ["ratio"] = 0.5, ["name"] = "ink", ["ok"] = true, ["none"] = null, ["items"] = new[] { 1, 2 } });

        string seen = await pool.RunAsync(
            e => e.Payload.GetType().Name + "|" + string.Join(",", e.Bag.Select(pair => pair.Key + ":" + (pair.Value?.GetType().Name ?? "null"))),
            envelope).Within("object members sent to the worker");
        Envelope back = await pool.RunAsync(() => new Envelope(new Item("made in the worker", 1), new Dictionary<string, object?> { ["when"] = new DateTime(2024, 5, 1) }))
            .Within("object members sent back");

        Assert.Equal("Item|count:Int32,big:Int64,ratio:Double,name:String,ok:Boolean,none:null,items:Int32[]", seen);
        Assert.Equal(new Item("made in the worker", 1), back.Payload);
        Assert.Equal(new DateTime(2024, 5, 1), back.Bag["when"]);
    }

    [Fact]
    public async Task RunAsync_Stacks_KeepTheirOrderBothWays()
    {
        // System.Text.Json writes a stack top first and pushes it back in that order: it arrived upside down.
        await using WorkerPool pool = TestPools.Process();
        var stack = new Stack<int>([1, 2, 3]);
        var concurrent = new ConcurrentStack<string>(["a", "b", "c"]);
        ImmutableStack<int> immutable = ImmutableStack.Create(1, 2, 3);
        var untyped = new System.Collections.Stack(new object[] { 1, "two", 3.0 });

        Assert.Equal(new[] { 3, 2, 1 }, await pool.RunAsync(s => s.ToArray(), stack).Within("Stack<int>"));
        Assert.Equal(new[] { "c", "b", "a" }, await pool.RunAsync(s => s.ToArray(), concurrent).Within("ConcurrentStack<string>"));
        Assert.Equal(new[] { 3, 2, 1 }, await pool.RunAsync(s => s.ToArray(), immutable).Within("ImmutableStack<int>"));
        Assert.Equal(new object[] { 3.0, "two", 1 }, await pool.RunAsync(s => s.ToArray(), untyped).Within("Stack"));
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

    [Fact]
    public async Task RunAsync_ReadonlyFieldsNoConstructorParameterFills_ArriveWithTheirValuesBothWays()
    {
        // Written but skipped when read: the fields arrived as the parameterless constructor left them.
        await using WorkerPool pool = TestPools.Process();
        var reading = new Reading("north", 21.5);
        var limits = new Limits(10, "disk");

        Assert.Equal("north=21.5", await pool.RunAsync(r => r.Sensor + "=" + r.Value.ToString(CultureInfo.InvariantCulture), reading).Within("a readonly struct"));
        Assert.Equal("10", await pool.RunAsync(l => l.Max.ToString(CultureInfo.InvariantCulture), limits).Within("a readonly field of a class"));
        Reading back = await pool.RunAsync(r => new Reading(r.Sensor + "!", r.Value * 2), reading).Within("readonly fields sent back");

        Assert.Equal(("north!", 43.0), (back.Sensor, back.Value));
    }

    [Fact]
    public async Task RunAsync_GetOnlyAutoProperties_ArriveWithTheirValuesBothWays()
    {
        // Written but skipped when read: the collections arrived as their initializers left them, the label empty.
        await using WorkerPool pool = TestPools.Process();
        var basket = new Basket("fruit");
        basket.Items.AddRange([1, 2, 3]);
        basket.Counts["pear"] = 2;
        basket.Tags.Remove("new");
        basket.Tags.Add("ripe");

        string seen = await pool.RunAsync(
            b => $"{b.Label}|{string.Join(",", b.Items)}|{string.Join(",", b.Counts.Select(pair => pair.Key + "=" + pair.Value))}|{string.Join(",", b.Tags)}",
            basket).Within("get-only properties sent to the worker");
        Basket back = await pool.RunAsync(b => { b.Items.Add(4); return b; }, basket).Within("get-only properties sent back");

        Assert.Equal("fruit|1,2,3|pear=2|ripe", seen);
        Assert.Equal([1, 2, 3, 4], back.Items);
        Assert.Equal(["ripe"], back.Tags);
        Assert.Equal(("fruit", 2), (back.Label, back.Counts["pear"]));
    }

    [Fact]
    public async Task RunAsync_MemberDeclaredABaseClassOrInterface_KeepsItsDerivedObjectBothWays()
    {
        // Only the declared type's members were written: a Dog arrived as an Animal (and an abstract or interface member failed).
        await using WorkerPool pool = TestPools.Process();
        var zoo = new Zoo(new Dog("Rex", "collie") { Friend = new Dog("Fido", "pug") }, new Animal("Tom"), new Circle(2), new Ticket(5, "noon"));

        string seen = await pool.RunAsync(
            z => $"{Describe(z.Star)}+{Describe(z.Star.Friend!)}|{Describe(z.Plain)}|{z.Logo}|{z.Entry}",
            zoo).Within("derived objects sent to the worker");
        Zoo back = await pool.RunAsync(() => new Zoo(new Dog("Rex", "beagle"), new Animal("Tom"), new Circle(3), new Ticket(7, "dusk")))
            .Within("derived objects sent back");

        Assert.Equal("Dog Rex collie+Dog Fido pug|Animal Tom|Circle { Radius = 2 }|Ticket { Price = 5, Show = noon }", seen);
        Assert.Equal("beagle", Assert.IsType<Dog>(back.Star).Breed);
        Assert.IsType<Animal>(back.Plain);
        Assert.Equal(new Circle(3), back.Logo);
        Assert.Equal(new Ticket(7, "dusk"), back.Entry);
    }

    [Fact]
    public async Task RunAsync_ClassesDerivedFromStacks_KeepTheirOrderAndTypeBothWays()
    {
        // System.Text.Json pushed a derived stack's items in the order it wrote them, top first: it arrived upside down.
        await using WorkerPool pool = TestPools.Process();
        var undo = new UndoStack();
        undo.Push("a");
        undo.Push("b");
        var concurrent = new SharedUndo();
        concurrent.PushRange([1, 2, 3]);
        var untyped = new History();
        untyped.Push(1);
        untyped.Push("two");

        Assert.Equal("UndoStack:b,a", await pool.RunAsync(s => s.GetType().Name + ":" + string.Join(",", s), undo).Within("a Stack<T> subclass"));
        Assert.Equal(new[] { 3, 2, 1 }, await pool.RunAsync(s => s.ToArray(), concurrent).Within("a ConcurrentStack<T> subclass"));
        Assert.Equal(new object[] { "two", 1 }, await pool.RunAsync(s => s.ToArray(), untyped).Within("a Stack subclass"));
        UndoStack back = await pool.RunAsync(s => { s.Push("c"); return s; }, undo).Within("a Stack<T> subclass sent back");

        Assert.Equal(["c", "b", "a"], back);
    }

    private static string Describe(Animal animal) => animal is Dog dog ? $"Dog {dog.Name} {dog.Breed}" : $"Animal {animal.Name}";

    public sealed record Ledger(string Name, BigInteger Total, Dictionary<BigInteger, string> Names);

    public sealed record Item(string Name, int Quantity);

    public sealed record Envelope(object Payload, Dictionary<string, object?> Bag);

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

    public readonly struct Reading
    {
        public readonly string Sensor;
        public readonly double Value;

        public Reading(string sensor, double value)
        {
            Sensor = sensor;
            Value = value;
        }
    }

    /// <summary>System.Text.Json builds it with the parameterless constructor, which leaves <see cref="Max"/> at 0.</summary>
    public sealed class Limits
    {
        public readonly int Max;

        public Limits()
        {
        }

        public Limits(int max) => Max = max;

        public Limits(int max, string unit)
            : this(max) => Unit = unit;

        public string Unit { get; set; } = "";
    }

    public sealed class Basket
    {
        public Basket()
        {
        }

        public Basket(string label) => Label = label;

        public string Label { get; } = "";

        public List<int> Items { get; } = [];

        public Dictionary<string, int> Counts { get; } = [];

        public List<string> Tags { get; } = ["new"];
    }

    public class Animal(string name)
    {
        public string Name { get; } = name;

        public Animal? Friend { get; set; }
    }

    public class Dog(string name, string breed) : Animal(name)
    {
        public string Breed { get; } = breed;
    }

    public abstract record Shape;

    public sealed record Circle(double Radius) : Shape;

    public interface IPriced
    {
        int Price { get; }
    }

    public sealed record Ticket(int Price, string Show) : IPriced;

    public sealed record Zoo(Animal Star, Animal Plain, Shape Logo, IPriced Entry);

    public sealed class UndoStack : Stack<string>
    {
    }

    public sealed class SharedUndo : System.Collections.Concurrent.ConcurrentStack<int>
    {
    }

    public sealed class History : System.Collections.Stack
    {
    }
}

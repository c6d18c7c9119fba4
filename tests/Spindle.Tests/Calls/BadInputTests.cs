using System.Linq.Expressions;
using System.Net.Sockets;
using System.Reflection.Emit;
using System.Text.Json;
using Spindle;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Calls;

public class BadInputTests
{
    [Fact]
    public async Task RunAsync_CapturedStream_FailsAtCallSiteNamingTheVariable()
    {
        await using WorkerPool pool = TestPools.Process();
        using var stream = new MemoryStream([1, 2, 3]);

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(() => stream.Length));

        Assert.Equal("captured variable 'stream'", error.Variable);
        Assert.Equal(typeof(MemoryStream), error.VariableType);
        Assert.Contains("stream", error.Message, StringComparison.Ordinal);
        Assert.Contains("System.IO.MemoryStream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StreamArgument_FailsNamingTheParameter()
    {
        await using WorkerPool pool = TestPools.Process();
        using var input = new MemoryStream();

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(CountBytes, (Stream)input));

        Assert.Equal("argument 'source'", error.Variable);
        Assert.Equal(typeof(MemoryStream), error.VariableType);
    }

    [Fact]
    public async Task RunAsync_DelegateOrSocketArgument_FailsNamingTheParameter()
    {
        await using WorkerPool pool = TestPools.Process();
        Func<int> callback = () => 1;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

        var delegateError = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(f => f(), callback));
        var socketError = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(s => s.Available, socket));

        Assert.Equal("argument 'f'", delegateError.Variable);
        Assert.Contains("delegate", delegateError.Reason, StringComparison.Ordinal);
        Assert.Equal("argument 's'", socketError.Variable);
        Assert.Equal(typeof(Socket), socketError.VariableType);
    }

    [Fact]
    public async Task RunAsync_HandleInsideAnUnmanagedStructOrItsArray_FailsNamingTheVariableAndTheMember()
    {
        // Sent as raw bytes, the handle arrived as a number meaning nothing in the worker.
        await using WorkerPool pool = TestPools.Process();
        var holder = new HandleHolder { Count = 1, Handle = new IntPtr(1234) };
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(new object());
        try
        {
            var argument = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(h => h.Count, holder));
            Assert.Equal("argument 'h'", argument.Variable);
            Assert.Contains("its member Handle holds a", argument.Reason, StringComparison.Ordinal);
            Assert.Contains("native pointer or handle", argument.Reason, StringComparison.Ordinal);

            CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(hs => hs.Length, new[] { holder }));
            var captured = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(() => handle.IsAllocated));
            Assert.Equal("captured variable 'handle'", captured.Variable);

            // Plain unmanaged structs still travel as raw bytes.
            Assert.Equal(3, await pool.RunAsync(p => p.Count + 2, new PlainStruct { Count = 1 }).Within("a plain struct"));
        }
        finally
        {
            handle.Free();
        }
    }

    public struct HandleHolder
    {
        public int Count;
        public IntPtr Handle;
    }

    public struct PlainStruct
    {
        public int Count;
        public double Weight;
    }

    [Fact]
    public async Task RunAsync_ExceptionAsAValue_FailsAtCallSiteNamingTheVariableAndTheMember()
    {
        // System.Text.Json cannot set an exception's message back: it arrived as another exception, without an error.
        await using WorkerPool pool = TestPools.Process();
        var outcome = new Outcome("job", new InvalidOperationException("disk full"));
        var bag = new Dictionary<string, object> { ["error"] = new InvalidOperationException("disk full") };

        var argument = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(e => e.Message, new InvalidOperationException("disk full")));
        var member = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(o => o.Error.Message, outcome));
        var inBag = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(b => b.Count, bag));
        var result = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(() => new ArgumentException("made in the worker")).Within("an exception as a result"));

        Assert.Equal("argument 'e'", argument.Variable);
        Assert.Contains("RemoteException", argument.Reason, StringComparison.Ordinal);
        Assert.Equal("argument 'o'", member.Variable);
        Assert.Contains("its member Outcome.Error holds a System.Exception", member.Reason, StringComparison.Ordinal);
        Assert.Equal("argument 'b'", inBag.Variable);
        Assert.Contains("System.InvalidOperationException", inBag.Reason, StringComparison.Ordinal);
        Assert.Contains("a member declared as object holds a System.InvalidOperationException", inBag.Reason, StringComparison.Ordinal);
        Assert.Equal(typeof(ProcessBoundaryException).FullName, result.RemoteType);
        Assert.Contains("the result", result.RemoteMessage, StringComparison.Ordinal);
    }

    public sealed record Outcome(string Job, Exception Error);

    [Fact]
    public async Task RunAsync_ItemsDeclaredABaseClassHoldingDerivedObjects_FailsAtCallSiteNamingBothTypes()
    {
        // Only the declared type's members were written: the hammer arrived as a plain Tool, without an error.
        await using WorkerPool pool = TestPools.Process();
        var kit = new List<Tool> { new("saw"), new Hammer("claw", 450) };

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(k => k.Count, kit));

        Assert.Equal("argument 'k'", error.Variable);
        Assert.Contains(nameof(Hammer), error.Reason, StringComparison.Ordinal);
        Assert.Contains(nameof(Tool), error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ReadonlyFieldThroughOptionsThatCannotSetIt_FailsAtCallSiteNamingTheMember()
    {
        // Options of one's own, without DefaultOptions' contract: the field was written and skipped when read.
        await using WorkerPool pool = TestPools.Process(configure: o => o.SerializerFactory = () => new JsonCallSerializer(new JsonSerializerOptions { IncludeFields = true }));
        var quota = new Quota(5);

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(q => q.Limit, quota));

        Assert.Equal("argument 'q'", error.Variable);
        Assert.Contains("Quota.Limit", error.Reason, StringComparison.Ordinal);
        Assert.Contains("DefaultOptions", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_MemberNamingATypeItCannotHold_FailsWithoutCreatingIt()
    {
        // A pool's calls name a derived object's type; only a type the member can hold may be created from that name.
        string json = """{"Main":{"$type":""" + JsonSerializer.Serialize(typeof(Tripwire).AssemblyQualifiedName) + ""","value":{}}}""";

        var error = Assert.Throws<JsonException>(() => new JsonCallSerializer().Deserialize(System.Text.Encoding.UTF8.GetBytes(json), typeof(Toolbox)));

        Assert.Contains(typeof(Tripwire).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Tool).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, Tripwire.Created);
    }

    public sealed record Toolbox(Tool Main);

    public sealed class Tripwire
    {
        public Tripwire() => Interlocked.Increment(ref created);

        public static int Created => Volatile.Read(ref created);

        private static int created;
    }

    [Fact]
    public async Task RunAsync_ClassDerivedFromACollectionWithMembersOfItsOwn_FailsAtCallSiteNamingTheMember()
    {
        // A collection is written as its items only: the title and the owner arrived empty, without an error.
        await using WorkerPool pool = TestPools.Process();
        var playlist = new Playlist { Title = "road trip" };
        playlist.Add("song");
        var undo = new OwnedUndo { Owner = "ann" };
        undo.Push(1);

        var list = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(p => p.Title, playlist));
        var stack = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(u => u.Owner, undo));

        Assert.Equal("argument 'p'", list.Variable);
        Assert.Contains("Playlist.Title", list.Reason, StringComparison.Ordinal);
        Assert.Equal("argument 'u'", stack.Variable);
        Assert.Contains("OwnedUndo.Owner", stack.Reason, StringComparison.Ordinal);
        Assert.Equal(3, await pool.RunAsync(s => s.Sum(), new Tally { 1, 2 }).Within("a computed member holds nothing of its own"));
    }

    public sealed class Playlist : List<string>
    {
        public string Title { get; set; } = "";
    }

    public sealed class OwnedUndo : Stack<int>
    {
        public string Owner { get; set; } = "";
    }

    public sealed class Tally : List<int>
    {
        public int Total => this.Sum();
    }

    public class Tool(string name)
    {
        public string Name { get; } = name;
    }

    public sealed class Hammer(string name, int grams) : Tool(name)
    {
        public int Grams { get; } = grams;
    }

    public sealed class Quota
    {
        public readonly int Limit;

        public Quota()
        {
        }

        public Quota(int limit) => Limit = limit;
    }

    [Fact]
    public async Task RunAsync_CapturedTaskCompletionSource_FailsAtCallSiteInsteadOfBlocking()
    {
        await using WorkerPool pool = TestPools.Thread();
        var pending = new TaskCompletionSource<int>();

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(() => pending.TrySetResult(1)));

        Assert.Equal("captured variable 'pending'", error.Variable);
    }

    [Fact]
    public async Task RunAsync_ThisHoldsAStream_FailsNamingThis()
    {
        await using WorkerPool pool = TestPools.Process();
        var holder = new StreamHolder();

        var error = CallSite.Throws<ProcessBoundaryException>(() => holder.LengthInWorker(pool));

        Assert.Equal("this", error.Variable);
        Assert.Equal(typeof(StreamHolder), error.VariableType);
        Assert.Contains("Data", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ObjectThatCannotBeReadBack_FailsAtCallSite()
    {
        await using WorkerPool pool = TestPools.Process();
        var noConstructor = new OnlyPrivateConstructor.Factory().Create(5);

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(v => v.ToString(), noConstructor));

        Assert.Equal("argument 'v'", error.Variable);
        Assert.Contains("read back", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ResultCannotBeSerialized_CallFailsWithWorkersExplanation_WorkerStaysAlive()
    {
        await using WorkerPool pool = TestPools.Process();
        int pidBefore = await pool.RunAsync(() => Environment.ProcessId).Within("first call");

        var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync<object>(() => new MemoryStream()).Within("bad result"));
        int pidAfter = await pool.RunAsync(() => Environment.ProcessId).Within("call after the bad result");

        Assert.Equal(typeof(ProcessBoundaryException).FullName, error.RemoteType);
        Assert.Contains("the result", error.RemoteMessage, StringComparison.Ordinal);
        Assert.Contains("MemoryStream", error.RemoteMessage, StringComparison.Ordinal);
        Assert.Equal(pidBefore, pidAfter);
    }

    [Fact]
    public async Task RunAsync_CyclicResult_CallFailsWithWorkersExplanation()
    {
        await using WorkerPool pool = TestPools.Process();

        var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(() =>
        {
            var node = new Node();
            node.Next = node;
            return node;
        }).Within("cyclic result"));

        Assert.Contains("could not be serialized", error.RemoteMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RuntimeGeneratedDelegate_FailsAtCallSite()
    {
        await using WorkerPool pool = TestPools.Process();
        Expression<Func<int, int>> expression = x => x + 1;
        Func<int, int> compiled = expression.Compile();
        var dynamicMethod = new DynamicMethod("Twice", typeof(int), [typeof(int)]);
        ILGenerator il = dynamicMethod.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_2);
        il.Emit(OpCodes.Mul);
        il.Emit(OpCodes.Ret);
        var emitted = dynamicMethod.CreateDelegate<Func<int, int>>();

        Assert.Contains("generated at run time", CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(compiled, 1)).Reason, StringComparison.Ordinal);
        Assert.Contains("generated at run time", CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(emitted, 1)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThreadIsolation_CallThatCouldNotCrossAProcess_FailsAtCallSiteByDefault()
    {
        await using WorkerPool pool = TestPools.Thread();
        using var stream = new MemoryStream([1, 2, 3]);

        var error = CallSite.Throws<ProcessBoundaryException>(() => pool.RunAsync(() => stream.Length));

        Assert.Equal("captured variable 'stream'", error.Variable);
    }

    [Fact]
    public async Task ThreadIsolation_CheckTurnedOff_SharesTheObject()
    {
        await using WorkerPool pool = TestPools.Thread(configure: o => o.CheckProcessBoundary = false);
        using var stream = new MemoryStream([1, 2, 3]);

        long length = await pool.RunAsync(() => stream.Length).Within("thread call");

        Assert.Equal(3, length);
    }

    [Fact]
    public async Task RunAsync_WrongArgumentCountThroughDelegateApi_NamesTheProblem()
    {
        await using WorkerPool pool = TestPools.Process();
        Func<int, int, int> add = (a, b) => a + b;

        var error = CallSite.Throws<ArgumentException>(() => pool.RunDelegateAsync(add, [1]));

        Assert.Contains("parameter 'b'", error.Message, StringComparison.Ordinal);
    }

    private static long CountBytes(Stream source) => source.Length;

    public sealed class StreamHolder
    {
        public Stream Data { get; set; } = new MemoryStream();

        public Task<long> LengthInWorker(WorkerPool pool) => pool.RunAsync(() => Data.Length);
    }

    public sealed class Node
    {
        public Node? Next { get; set; }
    }

    public sealed class OnlyPrivateConstructor
    {
        private OnlyPrivateConstructor(int value, string extra)
        {
            Value = value;
            Extra = extra;
        }

        public int Value { get; }

        public string Extra { get; }

        public sealed class Factory
        {
            public OnlyPrivateConstructor Create(int value) => new(value, "x");
        }
    }
}

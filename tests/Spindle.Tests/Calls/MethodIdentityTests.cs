using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Calls;

public class MethodIdentityTests
{
    [Fact]
    public async Task RunAsync_OverloadedStaticMethods_EachOverloadRunsItself()
    {
        await using WorkerPool pool = TestPools.Process();

        string fromInt = await pool.RunAsync<int, string>(Describe, 5).Within("int overload");
        string fromString = await pool.RunAsync<string, string>(Describe, "five").Within("string overload");
        string fromTwo = await pool.RunAsync<int, int, string>(Describe, 2, 3).Within("two-argument overload");

        Assert.Equal("int 5", fromInt);
        Assert.Equal("string five", fromString);
        Assert.Equal("two 5", fromTwo);
    }

    [Fact]
    public async Task RunAsync_GenericMethods_TypeArgumentsArrive()
    {
        await using WorkerPool pool = TestPools.Process();

        string ints = await pool.RunAsync<int, string>(NameOf, 1).Within("generic int");
        string lists = await pool.RunAsync<List<string>, string>(NameOf, ["a"]).Within("generic list");

        Assert.Equal("Int32", ints);
        Assert.Equal("List`1", lists);
    }

    [Fact]
    public async Task RunAsync_LocalFunctions_StaticAndCapturing_Run()
    {
        await using WorkerPool pool = TestPools.Process();
        int offset = 1000;
        static int Square(int x) => x * x;
        int Shift(int x) => x + offset;

        Assert.Equal(81, await pool.RunAsync(Square, 9).Within("static local function"));
        Assert.Equal(1009, await pool.RunAsync(Shift, 9).Within("capturing local function"));
    }

    [Fact]
    public async Task RunAsync_GenericClosureInsideGenericMethod_Runs()
    {
        await using WorkerPool pool = TestPools.Process();

        string result = await RepeatInWorker(pool, "ab", 3).Within("generic closure");

        Assert.Equal("ababab", result);
    }

    [Fact]
    public async Task RunAsync_NestedTypeStaticMethod_Runs()
    {
        await using WorkerPool pool = TestPools.Process();

        Assert.Equal(12, await pool.RunAsync(Nested.Inner.Triple, 4).Within("nested type"));
    }

    [Fact]
    public async Task RunAsync_AsyncDelegate_ResultIsAwaitedInTheWorker()
    {
        await using WorkerPool pool = TestPools.Process();

        int result = await pool.RunAsync(async x =>
        {
            await Task.Delay(5);
            return x + 1;
        }, 41).Within("async call");

        Assert.Equal(42, result);
    }

    private static Task<string> RepeatInWorker<T>(WorkerPool pool, T value, int times) =>
        pool.RunAsync(n => string.Concat(Enumerable.Repeat(value?.ToString(), n)), times);

    private static string Describe(int x) => $"int {x}";

    private static string Describe(string x) => $"string {x}";

    private static string Describe(int x, int y) => $"two {x + y}";

    private static string NameOf<T>(T value) => typeof(T).Name;

    private static class Nested
    {
        public static class Inner
        {
            public static int Triple(int x) => x * 3;
        }
    }
}

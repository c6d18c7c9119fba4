using System.Runtime.InteropServices;
using Spindle;
using Spindle.Pools;
using Spindle.Shared;
using Spindle.Tests.Support;

namespace Spindle.Tests.Shared;

// Alone: these tests count files in the shared-memory directory that other tests' pools also create and remove.
[Collection(SerialCollection.Name)]
public class ZeroCopyTests
{
    private const int Elements = 1 << 20; // 8 MiB of doubles

    [Fact]
    public async Task ReadOnlyMemoryParameter_AboveTheThreshold_IsAViewOverSharedPagesInTheWorker()
    {
        double[] values = Numbers(Elements, seed: 3);
        await using WorkerPool pool = TestPools.Process(configure: o => { o.MaxMessageBytes = 4096; o.SharedMemoryThreshold = 1024; });
        Assert.False(await pool.RunAsync(OnArray, (ReadOnlyMemory<double>)values).Within("a call with a large ReadOnlyMemory"));
        ReadOnlyMemory<double> seen = await pool.RunAsync(Echo, (ReadOnlyMemory<double>)values).Within("the same memory, echoed back");
        AssertSame(values, seen.ToArray());
    }

    [Fact]
    public async Task MemoryParameter_AndMemoryResult_CrossBothWays_ElementByElement()
    {
        double[] values = Numbers(Elements, seed: 5);
        await using WorkerPool pool = TestPools.Process(configure: o => { o.MaxMessageBytes = 4096; o.SharedMemoryThreshold = 1024; });
        Memory<double> back = await pool.RunAsync(Negate, values.AsMemory()).Within("a Memory round trip");
        Assert.Equal(values.Length, back.Length);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.True(back.Span[i] == -values[i], $"element {i}");
        }
    }

    [Fact]
    public async Task MapAsync_ItemsThatAreViewsOfASharedArray_AreRefusedNamingItemsWithProcessesAndWrittenThroughWithThreads()
    {
        using SharedArray<int> shared = SharedArray.Create<int>(8);
        Memory<int>[] parts = [shared.Memory[..4], shared.Memory[4..]];

        // Before, each part reached the worker as a copy inside its chunk: the fills were lost without a word.
        await using (WorkerPool pool = TestPools.Process())
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => pool.MapAsync(static (Memory<int> part) => { part.Span.Fill(5); return part.Length; }, parts).ToArrayAsync().AsTask().Within("the refused map"));
            Assert.Equal("items", error.ParamName);
            Assert.Contains("RunAsync", error.Message, StringComparison.Ordinal);
            Assert.Equal(new int[8], shared.Span.ToArray());

            // The arrays themselves: refused too, saying so for MapAsync (it used to speak of an array argument).
            var arrays = await Assert.ThrowsAsync<ArgumentException>(() => pool.MapAsync(static (SharedArray<int> a) => a.Length, new[] { shared }).ToArrayAsync().AsTask().Within("a map over shared arrays"));
            Assert.Equal("items", arrays.ParamName);
            Assert.Contains("MapAsync sends its items in chunks, by value", arrays.Message, StringComparison.Ordinal);

            // Plain memory is copied, as any item is, and maps as before.
            Assert.Equal(new[] { 4, 4 }, await pool.MapAsync(static (Memory<int> part) => part.Length, new[] { new int[4].AsMemory(), new int[4].AsMemory() }).ToArrayAsync().AsTask().Within("a map over plain memory"));
        }

        await using (WorkerPool threads = TestPools.Thread())
        {
            Assert.Equal(new[] { 4, 4 }, await threads.MapAsync(static (Memory<int> part) => { part.Span.Fill(5); return part.Length; }, parts).ToArrayAsync().AsTask().Within("the map on threads"));
            Assert.Equal(Enumerable.Repeat(5, 8), shared.Span.ToArray());
        }
    }

    [Fact]
    public async Task MemoryOfADisposedSharedArray_IsRefusedAtTheCallSite_AsTheArrayItselfIs()
    {
        SharedArray<int> shared = SharedArray.Create<int>(16);
        Memory<int> kept = shared.Memory;
        shared.Dispose();

        // It used to be sent, and failed in the worker (the segment was gone) with another exception than threads give.
        await using WorkerPool pool = TestPools.Process();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.RunAsync(static (Memory<int> m) => m.Length, kept).Within("a call with a view of a disposed array"));
        Assert.Equal(1, await pool.RunAsync(static () => 1).Within("the next call"));
    }

    [Fact]
    public async Task SmallMemoryParameter_BelowTheThreshold_CrossesOnTheChannel()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.SharedMemoryThreshold = 1 << 20);
        double[] values = Numbers(100, seed: 1);
        Assert.True(await pool.RunAsync(OnArray, (ReadOnlyMemory<double>)values.AsMemory(10, 50)).Within("a small ReadOnlyMemory"));
        ReadOnlyMemory<double> seen = await pool.RunAsync(Echo, (ReadOnlyMemory<double>)values.AsMemory(10, 50)).Within("the same memory, echoed back");
        AssertSame(values[10..60], seen.ToArray());
    }

    [Fact]
    public async Task MemoryOfASharedArray_IsNeverCopied_WritesInTheWorkerAreSeenByTheCaller()
    {
        using SharedArray<int> shared = SharedArray.Create<int>(1000);
        for (int i = 0; i < 1000; i++)
        {
            shared[i] = i;
        }

        await using WorkerPool pool = TestPools.Process(configure: o => o.SharedMemoryThreshold = 1 << 30);
        // Even below the threshold: the memory already lives in shared pages, so only its name and range travel.
        int sum = await pool.RunAsync(DoubleInPlace, shared.Memory[100..200]).Within("a call on a shared array's memory");
        Assert.Equal(Enumerable.Range(100, 100).Sum(), sum);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(i is >= 100 and < 200 ? 2 * i : i, shared[i]);
        }
    }

    [Fact]
    public async Task SharedArrayCreatedInTheWorker_ReachesTheCallerWithoutACopy_IsReusedOnceLetGo_AndGoesWithTheWorker()
    {
        double[] values = Numbers(Elements, seed: 7);
        WorkerPool pool = TestPools.Process(configure: o => { o.MaxMessageBytes = 4096; o.SharedMemoryThreshold = 1024; });
        string file;
        await using (pool)
        {
            SharedArray<double> first = await pool.RunAsync(Copy, (ReadOnlyMemory<double>)values).Within("a call returning a SharedArray");
            int worker = pool.GetWorkers().Single().Id;
            file = Path.Combine(SegmentDirectory.Path, first.Name);
            string firstName = first.Name;
            using (first)
            {
                Assert.StartsWith($"array-{worker}-", first.Name, StringComparison.Ordinal);
                AssertSame(values, first.ToArray());
                Assert.True(File.Exists(file));

                // Still held by the caller: the worker's next array must be a new one.
                using SharedArray<double> second = await pool.RunAsync(Copy, (ReadOnlyMemory<double>)values).Within("a second call, while the first array is held");
                Assert.NotEqual(firstName, second.Name);
            }

            // Let go of: the worker's next array of that size takes its pages, and its values are the new call's.
            double[] others = Numbers(Elements, seed: 11);
            using SharedArray<double> third = await pool.RunAsync(Copy, (ReadOnlyMemory<double>)others).Within("a third call, after the first array was disposed");
            Assert.Equal(firstName, third.Name);
            AssertSame(others, third.ToArray());
        }

        Assert.False(File.Exists(file), "the worker's kept arrays go when the worker does");
    }

    [Fact]
    public async Task NamedSharedArray_RecreatedUnderTheSameName_IsSeenAfreshByTheWorker()
    {
        // The worker keeps its mapping of a shared array between calls; one recreated under the same name is another object.
        await using WorkerPool pool = TestPools.Process();
        string name = "zero-copy-" + Guid.NewGuid().ToString("N")[..12];
        for (int round = 1; round <= 3; round++)
        {
            using SharedArray<int> shared = SharedArray.Create<int>(1000, name);
            shared.Span.Fill(round);
            Assert.Equal(1000 * round, await pool.RunAsync(SumOf, (ReadOnlyMemory<int>)shared.Memory).Within($"round {round}"));
            Assert.Equal(1000 * round, await pool.RunAsync(SumOf, (ReadOnlyMemory<int>)shared.Memory).Within($"round {round}, again"));
        }
    }

    [Fact]
    public async Task SharedArrayResult_IsUsableAfterTheWorkerIsGone()
    {
        SharedArray<int> result;
        await using (WorkerPool pool = TestPools.Process())
        {
            result = await pool.RunAsync(Squares, 500).Within("a call returning a small SharedArray");
        }

        using (result)
        {
            for (int i = 0; i < 500; i++)
            {
                Assert.Equal(i * i, result[i]);
            }
        }
    }

    private static bool OnArray(ReadOnlyMemory<double> values) => MemoryMarshal.TryGetArray(values, out _);

    private static ReadOnlyMemory<double> Echo(ReadOnlyMemory<double> values) => values;

    private static Memory<double> Negate(Memory<double> values)
    {
        double[] negated = new double[values.Length];
        for (int i = 0; i < negated.Length; i++)
        {
            negated[i] = -values.Span[i];
        }

        return negated;
    }

    private static int DoubleInPlace(Memory<int> values)
    {
        int sum = 0;
        foreach (ref int value in values.Span)
        {
            sum += value;
            value *= 2;
        }

        return sum;
    }

    private static int SumOf(ReadOnlyMemory<int> values)
    {
        int sum = 0;
        foreach (int value in values.Span)
        {
            sum += value;
        }

        return sum;
    }

    private static SharedArray<double> Copy(ReadOnlyMemory<double> values) => SharedArray.Create(values.Span);

    private static SharedArray<int> Squares(int count)
    {
        SharedArray<int> squares = SharedArray.Create<int>(count);
        for (int i = 0; i < count; i++)
        {
            squares[i] = i * i;
        }

        return squares;
    }

    private static double[] Numbers(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (i * 0.25) + seed)];

    private static void AssertSame(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                Assert.Fail($"Element {i} is {actual[i]}, expected {expected[i]}.");
            }
        }
    }
}

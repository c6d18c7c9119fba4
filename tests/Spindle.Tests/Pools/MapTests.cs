using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

public class MapTests
{
    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task MapAsync_Ordered_YieldsEveryResultInInputOrder(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation, workers: 2);
        int offset = 3;

        List<int> results = await Collect(pool.MapAsync(x => (x * 2) + offset, Enumerable.Range(0, 1000), new MapOptions { ChunkSize = 7 }));

        Assert.Equal(Enumerable.Range(0, 1000).Select(x => (x * 2) + 3), results);
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task MapAsync_Unordered_YieldsEveryResultExactlyOnce(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation, workers: 2);

        List<int> results = await Collect(pool.MapAsync(x => x * x, Enumerable.Range(0, 500), new MapOptions { Ordered = false, ChunkSize = 1 }));

        Assert.Equal(Enumerable.Range(0, 500).Select(x => x * x).Order(), results.Order());
    }

    [Fact]
    public async Task MapAsync_AsyncEnumerableInputAndObjects_Work()
    {
        await using WorkerPool pool = TestPools.Process(workers: 2);

        List<string> results = await Collect(pool.MapAsync(w => w.ToUpperInvariant(), Words(), new MapOptions { ChunkSize = 2 }));

        Assert.Equal(["ALPHA", "BETA", "GAMMA"], results);
    }

    [Fact]
    public async Task MapAsync_EmptyInput_YieldsNothing()
    {
        await using WorkerPool pool = TestPools.Process();

        Assert.Empty(await Collect(pool.MapAsync(x => x, Array.Empty<int>())));
    }

    [Fact]
    public async Task MapAsync_ConsumerStopsEarly_StopsFeedingAndThePoolStaysUsable()
    {
        await using WorkerPool pool = TestPools.Process(workers: 2);
        int produced = 0;
        IEnumerable<int> Endless()
        {
            for (int i = 0; ; i++)
            {
                produced++;
                yield return i;
            }
        }

        int taken = 0;
        await foreach (int value in pool.MapAsync(x => x, Endless(), new MapOptions { ChunkSize = 10, MaxChunksInFlight = 4 }))
        {
            if (++taken == 25)
            {
                break;
            }
        }

        Assert.True(produced < 200, $"the endless input was read {produced} items far; MapAsync should read only a few chunks ahead");
        Assert.Equal(5, await pool.RunAsync(() => 5).Within("a call after the map"));
    }

    [Fact]
    public async Task MapAsync_ItemThrows_EnumerationThrowsTheRemoteException()
    {
        await using WorkerPool pool = TestPools.Process();

        await Assert.ThrowsAsync<Spindle.RemoteException>(() => Collect(pool.MapAsync(x => 10 / x, new[] { 1, 0, 2 })));
    }

    private static async IAsyncEnumerable<string> Words()
    {
        foreach (string word in new[] { "alpha", "beta", "gamma" })
        {
            await Task.Yield();
            yield return word;
        }
    }

    private static async Task<List<T>> Collect<T>(IAsyncEnumerable<T> source)
    {
        var results = new List<T>();
        using var timeout = new CancellationTokenSource(Bounded.Unexpected);
        await foreach (T item in source.WithCancellation(timeout.Token))
        {
            results.Add(item);
        }

        return results;
    }
}

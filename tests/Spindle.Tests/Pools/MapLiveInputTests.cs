using System.Runtime.CompilerServices;
using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>
/// MapAsync over an input that comes slowly (a live stream, a channel): a result is handed over once its chunk ends,
/// while the input is still awaited, not when the window of chunks in flight fills or the input ends.
/// </summary>
public class MapLiveInputTests
{
    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task MapAsync_InputWaitsForTheFirstResult_GetsItWhileItWaits(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation, workers: 2);
        var firstResultSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The input gives its second item only once the caller has the first result: a caller that got results only
        // with a full window (4 chunks here) or at the input's end would wait for ever.
        async IAsyncEnumerable<int> Live([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return 1;
            await firstResultSeen.Task.WaitAsync(cancellationToken);
            yield return 2;
        }

        var results = new List<int>();
        await ReadAllAsync().Within("results of a live input");
        Assert.Equal([10, 20], results);

        async Task ReadAllAsync()
        {
            await foreach (int result in pool.MapAsync(static x => x * 10, Live()))
            {
                results.Add(result);
                firstResultSeen.TrySetResult();
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task MapAsync_CallerBreaksWhileTheInputWaits_EndsTheWaitAndReturns(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation, workers: 2);
        var inputStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async IAsyncEnumerable<int> Endless([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return 1;
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                inputStopped.TrySetResult();
            }

            yield return 2;
        }

        await BreakAtFirstAsync().Within("breaking out after the first result");
        await inputStopped.Task.Within("the input's wait ended by the break");

        async Task BreakAtFirstAsync()
        {
            await foreach (int result in pool.MapAsync(static x => x * 10, Endless()))
            {
                Assert.Equal(10, result);
                break;
            }
        }
    }

    [Fact]
    public async Task MapAsync_AsyncInputWithAChunkSizeFarAboveItsLength_AllocatesForItsItemsOnly()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 1);

        static async IAsyncEnumerable<int> Three()
        {
            yield return 1;
            yield return 2;
            await Task.Yield();
            yield return 3;
        }

        var results = new List<int>();
        await foreach (int result in pool.MapAsync(static x => x * 2, Three(), new MapOptions { ChunkSize = int.MaxValue }))
        {
            results.Add(result);
        }

        Assert.Equal([2, 4, 6], results);
    }
}

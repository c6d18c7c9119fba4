using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>
/// A lone call's continuation runs on the reader that read its result. Code there that blocks, even on another call
/// whose result only that reader could read, must not hang: another thread takes over the reading.
/// </summary>
public class LoneCallTests
{
    [Fact]
    public async Task ContinuationBlocksOnAnotherCallOfTheSameWorker_TheCallStillCompletes()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1);
        await pool.WarmUpAsync().Within("warm-up");

        // Outside the test framework's synchronization context, so the continuation runs where the result was read.
        int total = await Task.Run(async () =>
        {
            int sum = 0;
            for (int i = 0; i < 20; i++)
            {
                int first = await pool.RunAsync(x => x + 1, i);

                // Blocking a thread on a result: bad style, but it must not deadlock the pool.
                int second = pool.RunAsync(x => x * 2, first).Result;
                sum += second;
            }

            return sum;
        }).Within("calls made from a continuation that blocks");

        Assert.Equal(Enumerable.Range(0, 20).Sum(i => (i + 1) * 2), total);
    }

    [Fact]
    public async Task SlowContinuationsOnTwoCallers_ReadersHandOverAgainAndAgain_EveryCallAnsweredOnce()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1);
        await pool.WarmUpAsync().Within("warm-up");

        // Each continuation keeps its thread busy past the watchdog's limit, so the reading changes threads over and
        // over, while the other caller's results arrive: a replaced reader must never read again.
        async Task<long> CallerAsync(int offset)
        {
            long sum = 0;
            for (int i = 0; i < 40; i++)
            {
                sum += await pool.RunAsync(x => x * 3, offset + i);
                var busy = System.Diagnostics.Stopwatch.StartNew();
                while (busy.Elapsed < TimeSpan.FromMilliseconds(3))
                {
                    Thread.SpinWait(100);
                }
            }

            return sum;
        }

        long[] sums = await Task.WhenAll(Task.Run(() => CallerAsync(0)), Task.Run(() => CallerAsync(1000))).Within("two callers with slow continuations");

        Assert.Equal(Enumerable.Range(0, 40).Sum(i => 3L * i), sums[0]);
        Assert.Equal(Enumerable.Range(1000, 40).Sum(i => 3L * i), sums[1]);
    }

    [Fact]
    public async Task ContinuationRunsLong_ACallFromAnotherThreadIsNotHeldUpByIt()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1);
        await pool.WarmUpAsync().Within("warm-up");
        using var release = new ManualResetEventSlim();
        var continuationStarted = new TaskCompletionSource();

        Task slow = Task.Run(async () =>
        {
            await pool.RunAsync(() => 1);
            continuationStarted.TrySetResult();

            // Holds whatever thread runs this continuation until the other call below has come back.
            if (!release.Wait(Bounded.Unexpected))
            {
                throw new TimeoutException("Never released.");
            }
        });

        await continuationStarted.Task.Within("the continuation to start");
        int answer = await Task.Run(() => pool.RunAsync(() => 42)).Within("a call made while a continuation holds its thread");
        release.Set();
        await slow.Within("the slow continuation");
        Assert.Equal(42, answer);
    }
}

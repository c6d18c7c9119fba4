using System.Collections.Concurrent;
using Spindle;
using Spindle.Pools;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>
/// Stopping a pool from anywhere, at any moment, any number of times: every DisposeAsync and TerminateAsync returns
/// normally once the pool has stopped, and no worker process is left. Races are run in rounds with real pools.
/// </summary>
public class PoolShutdownRaceTests
{
    private const int Rounds = 20;

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task DisposeAsync_CalledTwiceInTurn_BothReturnAndThePoolIsStopped(Isolation isolation)
    {
        for (int round = 0; round < Rounds; round++)
        {
            WorkerPool pool = TestPools.Create(isolation, workers: 2);
            var workers = new StartedWorkers(pool);
            Assert.Equal(2, await pool.RunAsync(() => 2).Within("a call"));

            await pool.DisposeAsync().AsTask().Within("the first dispose");
            await pool.DisposeAsync().AsTask().Within("the second dispose");

            Assert.Equal(PoolState.Stopped, pool.State);
            workers.AssertNoneAlive();
        }
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task DisposeAsync_CalledConcurrently_NoneReturnsBeforeThePoolHasStopped(Isolation isolation)
    {
        for (int round = 0; round < Rounds; round++)
        {
            using SharedEvent gate = SharedEvent.Create();
            WorkerPool pool = TestPools.Create(isolation, workers: 1);
            var workers = new StartedWorkers(pool);
            Task<bool> held = pool.RunAsync(g => g.TryWait(Bounded.Unexpected), gate);
            await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the held call runs");
            int disposing = 0;

            Task<PoolState>[] disposes = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                Interlocked.Increment(ref disposing);
                await pool.DisposeAsync();
                return pool.State;
            })).ToArray();
            await Bounded.Eventually(() => Volatile.Read(ref disposing) == 4, "every dispose has begun");
            gate.Set();

            Assert.All(await Task.WhenAll(disposes).Within("every dispose"), state => Assert.Equal(PoolState.Stopped, state));
            Assert.True(await held.Within("the held call, drained"));
            workers.AssertNoneAlive();
        }
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task TerminateAsync_AfterDisposeAsync_ReturnsNormally(Isolation isolation)
    {
        for (int round = 0; round < Rounds; round++)
        {
            WorkerPool pool = TestPools.Create(isolation, workers: 2);
            var workers = new StartedWorkers(pool);
            Assert.Equal(1, await pool.RunAsync(() => 1).Within("a call"));

            await pool.DisposeAsync().AsTask().Within("dispose");
            await pool.TerminateAsync().Within("terminate after dispose", Bounded.Prompt);
            await pool.TerminateAsync().Within("terminate again", Bounded.Prompt);

            Assert.Equal(PoolState.Stopped, pool.State);
            await pool.Completion.Within("completion");
            workers.AssertNoneAlive();
        }
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task TerminateAsync_BeforeDisposeAsync_EveryLaterStopReturns(Isolation isolation)
    {
        for (int round = 0; round < Rounds; round++)
        {
            WorkerPool pool = TestPools.Create(isolation, workers: 2);
            var workers = new StartedWorkers(pool);
            Assert.Equal(1, await pool.RunAsync(() => 1).Within("a call"));

            await pool.TerminateAsync().Within("terminate", Bounded.Prompt);
            await pool.DisposeAsync().AsTask().Within("dispose after terminate", Bounded.Prompt);
            await pool.TerminateAsync().Within("terminate again", Bounded.Prompt);
            await pool.DisposeAsync().AsTask().Within("dispose again", Bounded.Prompt);

            Assert.Equal(PoolState.Stopped, pool.State);
            workers.AssertNoneAlive();
        }
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task TerminateAsync_WhileDisposeAsyncDrainsABlockedCall_EndsTheDrainAndBothReturn(Isolation isolation)
    {
        for (int round = 0; round < Rounds; round++)
        {
            using SharedEvent never = SharedEvent.Create();
            WorkerPool pool = TestPools.Create(isolation, workers: 1);
            var workers = new StartedWorkers(pool);
            Task<bool> blocked = pool.RunAsync(g => g.TryWait(Bounded.Unexpected), never);
            await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the blocked call runs");

            Task draining = pool.DisposeAsync().AsTask();
            Assert.Equal(PoolState.Draining, pool.State);
            await pool.TerminateAsync().Within("terminate during the drain", Bounded.Prompt);
            await draining.Within("the drain that terminate ended", Bounded.Prompt);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.Within("the blocked call"));
            Assert.Equal(PoolState.Stopped, pool.State);
            workers.AssertNoneAlive();
            never.Set();
        }
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task StopCalls_FromManyThreadsAtOnce_AllReturnAndLeaveNoWorkers(Isolation isolation)
    {
        for (int round = 0; round < Rounds; round++)
        {
            WorkerPool pool = TestPools.Create(isolation, workers: 2);
            var workers = new StartedWorkers(pool);
            Task<int>[] calls = Enumerable.Range(0, 16).Select(i => pool.RunAsync(x => x + 1, i)).ToArray();
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int first = round;

            Task[] stops = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                await go.Task;
                if ((i + first) % 2 == 0)
                {
                    await pool.DisposeAsync();
                }
                else
                {
                    await pool.TerminateAsync();
                }
            })).ToArray();
            go.SetResult();

            await Task.WhenAll(stops).Within("every stop call");
            Assert.Equal(PoolState.Stopped, pool.State);
            foreach (Task<int> call in calls)
            {
                // Drained with its result, or cancelled by a terminate: never an error of the pool's own making.
                Exception? error = await Record.ExceptionAsync(() => call.Within("a call accepted before the stop"));
                Assert.True(error is null or OperationCanceledException, $"a call ended with {error}");
            }

            workers.AssertNoneAlive();
        }
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task DisposeAsync_WhileOtherThreadsSubmitCalls_FinishesEveryAcceptedCallAndLeavesNoWorkers(Isolation isolation)
    {
        for (int round = 0; round < Rounds; round++)
        {
            WorkerPool pool = TestPools.Create(isolation, workers: 2);
            var workers = new StartedWorkers(pool);
            var accepted = new ConcurrentQueue<(int Argument, Task<int> Call)>();
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            Task[] submitters = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                await go.Task;
                for (int i = 0; ; i++)
                {
                    try
                    {
                        accepted.Enqueue((i, pool.RunAsync(x => x + 1, i)));
                    }
                    catch (ObjectDisposedException)
                    {
                        return; // refused at the call site: the pool is stopping
                    }

                    if (i % 16 == 0)
                    {
                        await Task.Yield();
                    }
                }
            })).ToArray();
            go.SetResult();
            await Bounded.Eventually(() => accepted.Count(c => c.Call.IsCompleted) >= 20, "calls flow");

            await pool.DisposeAsync().AsTask().Within("dispose while calls are submitted");
            await Task.WhenAll(submitters).Within("the submitters, refused once the pool stops");

            // Accepted means finished before DisposeAsync returns: a call slipping in as the drain ends would hang.
            Assert.All(accepted, c =>
            {
                Assert.True(c.Call.IsCompletedSuccessfully, $"call {c.Argument} was accepted but is {c.Call.Status} after DisposeAsync returned");
                Assert.Equal(c.Argument + 1, c.Call.Result);
            });
            Assert.Equal(PoolState.Stopped, pool.State);
            workers.AssertNoneAlive();
        }
    }
}

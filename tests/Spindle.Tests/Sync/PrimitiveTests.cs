using Spindle;
using Spindle.Pools;
using Spindle.Shared;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Tests.Sync;

public class PrimitiveTests
{
    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task Event_SetByCaller_ReleasesWaitingWorkers(Isolation isolation)
    {
        using SharedEvent go = SharedEvent.Create();
        using SharedValue<int> woke = SharedValue.Create(0);
        await using WorkerPool pool = TestPools.Create(isolation, workers: 2);
        await pool.WarmUpAsync().Within("workers start");
        Task[] waiters = [pool.RunAsync(WaitThenCount, go, woke), pool.RunAsync(WaitThenCount, go, woke)];
        Assert.False(await Pending.FinishesSoon(Task.WhenAll(waiters)), "workers must wait for the event");
        Assert.Equal(0, woke.Read());
        go.Set();
        await Task.WhenAll(waiters).Within("both workers released");
        Assert.Equal(2, woke.Read());
        Assert.True(go.IsSet);
    }

    private static void WaitThenCount(SharedEvent go, SharedValue<int> woke)
    {
        go.Wait();
        woke.Increment();
    }

    [Fact]
    public async Task AutoResetEvent_ReleasesOneWaiterPerSet()
    {
        using SharedEvent turn = SharedEvent.Create(EventResetMode.AutoReset);
        using SharedValue<int> woke = SharedValue.Create(0);
        await using WorkerPool pool = TestPools.Process(workers: 2);
        await pool.WarmUpAsync().Within("workers start");
        Task[] waiters = [pool.RunAsync(WaitThenCount, turn, woke), pool.RunAsync(WaitThenCount, turn, woke)];
        turn.Set();
        await Task.WhenAny(waiters).Within("one worker released");
        Assert.False(await Pending.FinishesSoon(Task.WhenAll(waiters)), "one Set releases one waiter");
        Assert.Equal(1, woke.Read());
        turn.Set();
        await Task.WhenAll(waiters).Within("the second worker released");
        Assert.False(turn.IsSet);
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task Semaphore_ReleasedByWorker_CountsAcrossProcessesAndThreads(Isolation isolation)
    {
        using SharedSemaphore slots = SharedSemaphore.Create(0, maximumCount: 3);
        await using WorkerPool pool = TestPools.Create(isolation);
        await pool.RunAsync(ReleaseSlots, slots, 3).Within("worker releases three");
        Assert.Equal(3, slots.CurrentCount);
        Assert.Throws<SemaphoreFullException>(() => slots.Release());
        for (int i = 0; i < 3; i++)
        {
            Assert.True(slots.TryWait(TimeSpan.Zero));
        }

        Assert.False(slots.TryWait(TimeSpan.FromMilliseconds(20)));
        Task<bool> waiting = pool.RunAsync(WaitSlot, slots);
        Assert.False(await Pending.FinishesSoon(waiting), "the worker waits for a slot");
        slots.Release();
        Assert.True(await waiting.Within("worker got the slot"));
        Assert.Equal(0, slots.CurrentCount);
    }

    private static void ReleaseSlots(SharedSemaphore slots, int count) => slots.Release(count);

    private static bool WaitSlot(SharedSemaphore slots) => slots.TryWait(Bounded.Unexpected);

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task Barrier_NoParticipantStartsAPhaseBeforeAllFinishedThePrevious(Isolation isolation)
    {
        const int Participants = 3;
        const int Phases = 20;
        using SharedBarrier barrier = SharedBarrier.Create(Participants);
        using SharedArray<int> arrivals = SharedArray.Create<int>(Phases);
        await using WorkerPool pool = TestPools.Create(isolation, workers: Participants);
        await pool.WarmUpAsync().Within("workers start");
        bool[] inStep = await Task.WhenAll(Enumerable.Range(0, Participants).Select(_ => pool.RunAsync(Phase, barrier, arrivals, Phases))).Within("every phase");
        Assert.All(inStep, Assert.True);
        Assert.Equal(Phases, barrier.CurrentPhase);
    }

    private static bool Phase(SharedBarrier barrier, SharedArray<int> arrivals, int phases)
    {
        bool inStep = true;
        for (int phase = 0; phase < phases; phase++)
        {
            Interlocked.Increment(ref arrivals[phase]);
            barrier.SignalAndWait();
            inStep &= Volatile.Read(ref arrivals[phase]) == barrier.ParticipantCount;
        }

        return inStep;
    }

    [Fact]
    public void Barrier_TimedOutArrival_IsWithdrawn()
    {
        using SharedBarrier barrier = SharedBarrier.Create(2);
        Assert.Null(barrier.TrySignalAndWait(TimeSpan.FromMilliseconds(30)));
        Assert.Null(barrier.TrySignalAndWait(TimeSpan.FromMilliseconds(30)));
        Assert.Equal(0, barrier.CurrentPhase);
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task Condition_NotifyAll_WakesWorkersWaitingForAState(Isolation isolation)
    {
        using SharedLock sharedLock = SharedLock.Create();
        using SharedCondition changed = SharedCondition.Create(sharedLock);
        using SharedValue<int> stage = SharedValue.Create(0);
        await using WorkerPool pool = TestPools.Create(isolation, workers: 2);
        await pool.WarmUpAsync().Within("workers start");
        Task<int>[] waiters = [pool.RunAsync(WaitForStage, changed, stage), pool.RunAsync(WaitForStage, changed, stage)];
        Assert.False(await Pending.FinishesSoon(Task.WhenAll(waiters)), "workers wait for the stage");
        using (sharedLock.EnterScope())
        {
            stage.Write(1);
            changed.NotifyAll();
        }

        Assert.All(await Task.WhenAll(waiters).Within("both workers notified"), s => Assert.Equal(1, s));
        Assert.Equal(0, sharedLock.HolderProcessId);
    }

    private static int WaitForStage(SharedCondition changed, SharedValue<int> stage)
    {
        using (changed.Lock.EnterScope())
        {
            changed.WaitFor(() => stage.Read() == 1, Bounded.Unexpected);
            return stage.Read();
        }
    }

    [Fact]
    public void Condition_WaitWithoutTheLock_Throws()
    {
        using SharedLock sharedLock = SharedLock.Create();
        using SharedCondition condition = SharedCondition.Create(sharedLock);
        Assert.Throws<SynchronizationLockException>(() => condition.TryWait(TimeSpan.Zero));
    }

    [Fact]
    public async Task SharedValue_AtomicIncrementsFromProcesses_GiveTheExactTotal()
    {
        using SharedValue<long> total = SharedValue.Create(0L);
        await using WorkerPool pool = TestPools.Process(workers: 3);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => pool.RunAsync(AddMany, total, 20_000))).Within("increments");
        Assert.Equal(60_000, total.Read());
        Assert.Equal(60_000, total.Exchange(5));
        Assert.Equal(5, total.CompareExchange(9, comparand: 5));
        Assert.Equal(9, total.CompareExchange(1, comparand: 5));
        Assert.Equal(9, total.Decrement() + 1);
    }

    private static void AddMany(SharedValue<long> total, int count)
    {
        for (int i = 0; i < count; i++)
        {
            total.Increment();
        }
    }

    [Fact]
    public void SharedValue_OfAnyUnmanagedType_ReadsAndWrites_AndDoubleAdds()
    {
        using SharedValue<(long, long, int)> triple = SharedValue.Create((1L, 2L, 3));
        Assert.Equal((1L, 2L, 3), triple.Exchange((4L, 5L, 6)));
        Assert.Equal((4L, 5L, 6), triple.CompareExchange((7L, 8L, 9), (4L, 5L, 6)));
        Assert.Equal((7L, 8L, 9), triple.Read());
        Assert.Throws<NotSupportedException>(() => triple.Add((1L, 1L, 1)));

        using SharedValue<double> half = SharedValue.Create(0.5);
        Assert.Equal(2.0, half.Add(1.5));
        using SharedValue<long> number = SharedValue.Create(1L);
        var mismatch = Assert.Throws<SharedObjectException>(() => SharedValue.Open<int>(number.Name));
        Assert.Contains("SharedValue<System.Int64>", mismatch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Primitives_UseAfterDispose_ThrowObjectDisposed()
    {
        SharedEvent e = SharedEvent.Create();
        SharedSemaphore s = SharedSemaphore.Create(1);
        SharedBarrier b = SharedBarrier.Create(1);
        SharedValue<int> v = SharedValue.Create(1);
        e.Dispose();
        s.Dispose();
        b.Dispose();
        v.Dispose();
        Assert.Throws<ObjectDisposedException>(e.Set);
        Assert.Throws<ObjectDisposedException>(() => s.Wait());
        Assert.Throws<ObjectDisposedException>(() => b.SignalAndWait());
        Assert.Throws<ObjectDisposedException>(() => v.Read());
    }

    [Fact]
    public async Task DisposeWhileAnotherThreadWaits_WakesItWithObjectDisposed()
    {
        SharedEvent never = SharedEvent.Create();
        Task waiting = never.WaitAsync().AsTask();
        Assert.False(await Pending.FinishesSoon(waiting));
        never.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.Within("the waiter to see the dispose"));
    }

    [Fact]
    public void BadArguments_NameTheParameter()
    {
        Assert.Equal("initialCount", Assert.Throws<ArgumentOutOfRangeException>(() => SharedSemaphore.Create(-1)).ParamName);
        Assert.Equal("participantCount", Assert.Throws<ArgumentOutOfRangeException>(() => SharedBarrier.Create(0)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => SharedLock.Create("bad/name")).ParamName);
        using SharedEvent e = SharedEvent.Create();
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => e.TryWait(TimeSpan.FromSeconds(-2))).ParamName);
    }
}

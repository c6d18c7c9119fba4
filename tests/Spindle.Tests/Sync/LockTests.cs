using System.Diagnostics;
using Spindle;
using Spindle.Pools;
using Spindle.Shared;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Tests.Sync;

[Collection(SerialCollection.Name)]
public class LockTests
{
    private const int Processes = 3;
    private const int Increments = 4000;
    private const int UnlockedIncrements = 20_000;

    [Fact]
    public async Task ProcessesIncrementingUnderLock_GiveTheExactTotal()
    {
        long total = await CountWithProcesses(useLock: true, Increments);
        Assert.Equal(Processes * Increments, total);
    }

    [Fact]
    public async Task ProcessesIncrementingWithoutLock_LoseUpdates_SoTheLockedTestCanFail()
    {
        long total = await CountWithProcesses(useLock: false, UnlockedIncrements);
        Assert.True(total < Processes * UnlockedIncrements, $"without the lock {total} of {Processes * UnlockedIncrements} increments survived; the race did not show");
    }

    private static async Task<long> CountWithProcesses(bool useLock, int increments)
    {
        using SharedArray<long> counter = SharedArray.Create<long>(1);
        using SharedLock sharedLock = SharedLock.Create();
        // All workers leave the barrier together, so their loops overlap however the machine schedules them.
        using SharedBarrier start = SharedBarrier.Create(Processes);
        await using WorkerPool pool = TestPools.Process(workers: Processes);
        await pool.WarmUpAsync().Within("workers start");
        Task<int>[] runs = Enumerable.Range(0, Processes)
            .Select(_ => pool.RunAsync(Increment, counter, useLock ? sharedLock : null, start, increments))
            .ToArray();
        int[] pids = await Task.WhenAll(runs).Within("every worker's increments");
        Assert.Equal(Processes, pids.Distinct().Count());
        return counter[0];
    }

    // A read-modify-write with a pause in the middle: without the lock, another process's write lands in the gap.
    private static int Increment(SharedArray<long> counter, SharedLock? sharedLock, SharedBarrier start, int increments)
    {
        start.SignalAndWait();
        for (int i = 0; i < increments; i++)
        {
            sharedLock?.Acquire();
            long value = counter[0];
            Thread.SpinWait(100);
            counter[0] = value + 1;
            sharedLock?.Release();
        }

        return Environment.ProcessId;
    }

    [Fact]
    public async Task ThreadsIncrementingUnderTheSameLockType_GiveTheExactTotal()
    {
        using SharedArray<long> counter = SharedArray.Create<long>(1);
        using SharedLock sharedLock = SharedLock.Create();
        using SharedBarrier start = SharedBarrier.Create(Processes);
        await using WorkerPool pool = TestPools.Thread(workers: Processes);
        Task<int>[] runs = Enumerable.Range(0, Processes).Select(_ => pool.RunAsync(Increment, counter, (SharedLock?)sharedLock, start, Increments)).ToArray();
        await Task.WhenAll(runs).Within("every thread's increments");
        Assert.Equal(Processes * Increments, counter[0]);
    }

    [Fact]
    public async Task HolderKilledWhileHolding_NextAcquirerIsToldAbandoned_AndHoldsTheLock()
    {
        using SharedLock sharedLock = SharedLock.Create();
        using SharedEvent held = SharedEvent.Create();
        await using var holder = new WorkerProcess(HoldForever, sharedLock, held);
        holder.Start();
        Assert.True(held.TryWait(Bounded.Unexpected), "the worker took the lock");
        Assert.Equal(holder.Id, sharedLock.HolderProcessId);
        Assert.False(sharedLock.TryAcquire(Bounded.Expected), "a live holder keeps the lock");

        Process.GetProcessById(holder.Id).Kill();
        await holder.JoinAsync().WaitAsync(Bounded.Unexpected);

        var abandoned = Assert.Throws<AbandonedLockException>(() => sharedLock.TryAcquire(Bounded.Unexpected));
        Assert.Equal(holder.Id, abandoned.DeadHolderProcessId);
        Assert.Same(sharedLock, abandoned.Lock);
        Assert.True(sharedLock.IsHeldByThisProcess);
        sharedLock.Release();
        Assert.True(sharedLock.TryAcquire(TimeSpan.Zero));
        sharedLock.Release();
    }

    [Fact]
    public async Task HolderKilledWhileAnotherWaits_TheWaiterWakesWithAbandoned_NoHang()
    {
        using SharedLock sharedLock = SharedLock.Create();
        using SharedEvent held = SharedEvent.Create();
        await using var holder = new WorkerProcess(HoldForever, sharedLock, held);
        holder.Start();
        await held.WaitAsync().AsTask().Within("the worker took the lock");

        Task waiting = sharedLock.AcquireAsync().AsTask();
        Assert.False(await Pending.FinishesSoon(waiting), "the waiter must block while the holder lives");
        Process.GetProcessById(holder.Id).Kill();

        var abandoned = await Assert.ThrowsAsync<AbandonedLockException>(() => waiting.Within("the waiter to notice the dead holder"));
        Assert.Equal(holder.Id, abandoned.DeadHolderProcessId);
        sharedLock.Release();
    }

    private static void HoldForever(SharedLock sharedLock, SharedEvent held)
    {
        sharedLock.Acquire();
        held.Set();
        Task.Delay(Timeout.Infinite).Wait();
    }

    [Fact]
    public async Task LockHeldByWorkerThenReleased_IsFreeAgain_AndReleaseByNonHolderThrows()
    {
        using SharedLock sharedLock = SharedLock.Create();
        await using WorkerPool pool = TestPools.Process();
        int workerPid = await pool.RunAsync(TakeAndKeep, sharedLock).Within("worker takes the lock");
        Assert.Equal(workerPid, sharedLock.HolderProcessId);
        var error = Assert.Throws<SynchronizationLockException>(sharedLock.Release);
        Assert.Contains(workerPid.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);

        await pool.RunAsync(Give, sharedLock).Within("worker releases the lock");
        using (sharedLock.EnterScope())
        {
            Assert.True(sharedLock.IsHeldByThisProcess);
        }

        Assert.Equal(0, sharedLock.HolderProcessId);
    }

    private static int TakeAndKeep(SharedLock sharedLock)
    {
        sharedLock.Acquire();
        return Environment.ProcessId;
    }

    private static void Give(SharedLock sharedLock) => sharedLock.Release();

    [Fact]
    public async Task WaitCancelled_ThrowsOperationCanceled_AndTimeoutReturnsFalse()
    {
        using SharedLock sharedLock = SharedLock.Create();
        sharedLock.Acquire();
        Assert.False(await sharedLock.TryAcquireAsync(TimeSpan.FromMilliseconds(50)));
        using var cancel = new CancellationTokenSource();
        Task waiting = sharedLock.AcquireAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Within("the cancelled wait"));
        sharedLock.Release();
    }

    [Fact]
    public void UseAfterDispose_ThrowsObjectDisposed()
    {
        SharedLock sharedLock = SharedLock.Create();
        sharedLock.Dispose();
        var error = Assert.Throws<ObjectDisposedException>(() => sharedLock.Acquire());
        Assert.Contains(sharedLock.Name, error.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(sharedLock.Release);
    }

    [Fact]
    public void Open_Missing_Or_WrongKind_ThrowsClearly()
    {
        Assert.Throws<SharedObjectNotFoundException>(() => SharedLock.Open("no-such-lock-" + Guid.NewGuid().ToString("N")));
        using SharedEvent notALock = SharedEvent.Create();
        var error = Assert.Throws<SharedObjectException>(() => SharedLock.Open(notALock.Name));
        Assert.Contains("is a SharedEvent, not a SharedLock", error.Message, StringComparison.Ordinal);
    }
}

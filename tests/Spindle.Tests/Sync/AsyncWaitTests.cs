using System.Diagnostics;
using Spindle.Sync;
using Spindle.Tests.Support;
using Spindle.Interop;

namespace Spindle.Tests.Sync;

[Collection(SerialCollection.Name)]
public class AsyncWaitTests
{
    [Fact]
    public async Task HundredPendingAsyncWaits_ShareOneThread_AndAllComplete()
    {
        using SharedSemaphore gate = SharedSemaphore.Create(0);
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        Task[] waits = Enumerable.Range(0, 100).Select(_ => gate.WaitAsync().AsTask()).ToArray();
        Assert.False(await Pending.FinishesSoon(Task.WhenAll(waits)), "nothing released yet");
        int threadsWaiting = Process.GetCurrentProcess().Threads.Count;
        Assert.True(threadsWaiting - threadsBefore < 20, $"{threadsWaiting - threadsBefore} threads were started for 100 async waits");

        gate.Release(100);
        await Task.WhenAll(waits).Within("all hundred waits released");
        Assert.Equal(0, gate.CurrentCount);
    }

    [Fact]
    public async Task MoreAsyncWaitsThanOneFutexWaitvTakes_FallBackAndStillComplete()
    {
        using SharedEvent go = SharedEvent.Create();
        Task[] waits = Enumerable.Range(0, AsyncFutexWaiter.MaxWaits + 30).Select(_ => go.WaitAsync().AsTask()).ToArray();
        Assert.False(await Pending.FinishesSoon(Task.WhenAll(waits)), "the event is not set");
        go.Set();
        await Task.WhenAll(waits).Within("every wait released");
    }

    [Fact]
    public async Task AsyncWait_TimesOutAndCancels_WithoutTakingAnything()
    {
        using SharedSemaphore gate = SharedSemaphore.Create(0);
        Assert.False(await gate.TryWaitAsync(TimeSpan.FromMilliseconds(30)));
        using var cancel = new CancellationTokenSource();
        Task waiting = gate.WaitAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Within("the cancelled wait"));
        gate.Release();
        Assert.True(await gate.TryWaitAsync(Bounded.Unexpected));
    }

    [Fact]
    public async Task BarrierAsync_PhasesCompleteForAsyncParticipants()
    {
        using SharedBarrier barrier = SharedBarrier.Create(3);
        async Task Participate()
        {
            for (int phase = 0; phase < 5; phase++)
            {
                await barrier.SignalAndWaitAsync();
            }
        }

        await Task.WhenAll(Participate(), Participate(), Participate()).Within("five phases");
        Assert.Equal(5, barrier.CurrentPhase);
    }

    [Fact]
    public async Task ConditionAsync_WaiterIsNotified_AndHoldsTheLockAgain()
    {
        using SharedLock sharedLock = SharedLock.Create();
        using SharedCondition changed = SharedCondition.Create(sharedLock);
        using SharedValue<int> stage = SharedValue.Create(0);
        async Task<bool> WaitForStage()
        {
            await sharedLock.AcquireAsync();
            while (stage.Read() != 1)
            {
                await changed.WaitAsync();
            }

            bool held = sharedLock.IsHeldByThisProcess;
            sharedLock.Release();
            return held;
        }

        Task<bool> waiter = WaitForStage();
        Assert.False(await Pending.FinishesSoon(waiter));
        using (sharedLock.EnterScope())
        {
            stage.Write(1);
            changed.NotifyAll();
        }

        Assert.True(await waiter.Within("the notified waiter"));
    }
}

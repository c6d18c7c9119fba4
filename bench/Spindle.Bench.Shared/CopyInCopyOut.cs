using System.Diagnostics;
using Spindle.Shared;
using Spindle.Sync;
using Spindle;

namespace Spindle.Bench.Shared;

/// <summary>
/// The extra row: bytes move from one process's buffer to another's private buffer through a double-buffered
/// SharedArray (the producer copies a block in while the consumer copies the previous one out; two SharedSemaphores
/// hand the slots over, one release and one wait per block on each side). Two copies of every byte, where the goal
/// row makes one and reads the data in place.
/// </summary>
internal static class CopyInCopyOut
{
    public static async Task<double> TransferAsync(int size, int iterations)
    {
        using SharedArray<byte> slots = SharedArray.Create<byte>(2L * size);
        using SharedSemaphore empty = SharedSemaphore.Create(2, 2);
        using SharedSemaphore full = SharedSemaphore.Create(0, 2);
        using SharedEvent ready = SharedEvent.Create();
        await using var consumer = new WorkerProcess(Consume, slots, empty, full, ready, iterations);
        consumer.Start();
        ready.Wait();
        byte[] source = new byte[size];
        Random.Shared.NextBytes(source);
        Span<byte> shared = slots.Span;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++)
        {
            empty.Wait();
            source.CopyTo(shared.Slice((i & 1) * size, size));
            full.Release();
        }

        // Both slots free again: the consumer has copied out the last block.
        empty.Wait();
        empty.Wait();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await consumer.JoinAsync();
        return (double)size * iterations / seconds;
    }

    private static void Consume(SharedArray<byte> slots, SharedSemaphore empty, SharedSemaphore full, SharedEvent ready, int iterations)
    {
        int size = (int)(slots.Length / 2);
        byte[] destination = new byte[size];
        ReadOnlySpan<byte> shared = slots.Span;
        ready.Set();
        for (int i = 0; i < iterations; i++)
        {
            full.Wait();
            shared.Slice((i & 1) * size, size).CopyTo(destination);
            empty.Release();
        }
    }
}

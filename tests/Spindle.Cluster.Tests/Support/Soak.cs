using System.Diagnostics;

namespace Spindle.Cluster.Tests.Support;

/// <summary>
/// Many calls through a cluster pool while a fault strikes again and again: each call's result is checked against its
/// argument, each completion to the caller is counted (exactly one per call), and the whole run is bounded by
/// <see cref="Bounded.Soak"/>, failing with how many calls were left rather than hanging.
/// </summary>
internal static class Soak
{
    /// <summary>The number of calls a soak makes: 10,000, or <c>SPINDLE_CLUSTER_SOAK_CALLS</c>.</summary>
    public static int Calls => int.TryParse(Environment.GetEnvironmentVariable("SPINDLE_CLUSTER_SOAK_CALLS"), out int n) && n > 0 ? n : 10_000;

    /// <summary>
    /// Starts <paramref name="calls"/> calls at once (the pool queues them) and, while any is unfinished, waits
    /// <paramref name="every"/> and runs <paramref name="fault"/>, given how many faults struck before and how many
    /// calls have completed; it returns whether it struck. <paramref name="state"/> describes the processes for a failure.
    /// </summary>
    public static async Task<SoakOutcome> RunAsync(WorkerPool pool, int calls, TimeSpan every, Func<int, int, Task<bool>> fault, Func<string> state)
    {
        var completions = new int[calls];
        var doneAt = new TimeSpan[calls];
        int completed = 0, retries = 0;
        pool.CallRetried += (_, _) => Interlocked.Increment(ref retries);
        var clock = Stopwatch.StartNew();
        Task<long>[] tasks = new Task<long>[calls];
        for (int i = 0; i < calls; i++)
        {
            int index = i;
            // Each call works 5 ms (the agents' six workers take ten seconds or more over them): a tiny call is over in
            // a fraction of a millisecond, and a kill each second then mostly strikes an agent with no call running.
            tasks[i] = pool.RunAsync(x =>
            {
                Thread.Sleep(5);
                return x * 3L + 1;
            }, (long)i);
            _ = tasks[i].ContinueWith(_ =>
            {
                Interlocked.Increment(ref completions[index]);
                Interlocked.Increment(ref completed);
                doneAt[index] = clock.Elapsed;
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        Task<long[]> all = Task.WhenAll(tasks);
        int faults = 0;
        while (!all.IsCompleted)
        {
            if (clock.Elapsed > Bounded.Soak)
            {
                throw new TimeoutException($"{tasks.Count(t => !t.IsCompleted)} of {calls} calls had not completed after {Bounded.Soak.TotalMinutes} min ({faults} faults).\n{state()}");
            }

            await Task.WhenAny(all, Task.Delay(every));
            if (!all.IsCompleted && await fault(faults, Volatile.Read(ref completed)))
            {
                faults++;
            }
        }

        TimeSpan took = clock.Elapsed;
        long[] results;
        try
        {
            results = await all;
        }
        catch (Exception e)
        {
            Exception[] failures = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).ToArray();
            throw new Xunit.Sdk.XunitException($"{failures.Length} of {calls} calls failed ({faults} faults); the first: {failures.FirstOrDefault() ?? e}\n{state()}");
        }

        for (int i = 0; i < calls; i++)
        {
            Assert.True(results[i] == i * 3L + 1, $"Call {i} returned {results[i]}, not {i * 3L + 1}: another call's result.");
        }

        // A completion's count may land just after WhenAll saw the task complete.
        await Bounded.Eventually(() => completions.All(c => Volatile.Read(ref c) >= 1), "every call's completion was counted");
        await Task.Delay(Bounded.Expected); // a second completion, if there were one, would be counted by now
        int[] counts = completions.Select(c => Volatile.Read(ref c)).ToArray();
        Assert.True(counts.All(c => c == 1), $"Completions per call other than one: {string.Join(", ", counts.Select((c, i) => (c, i)).Where(p => p.c != 1).Take(10).Select(p => $"call {p.i}: {p.c}"))}.");
        TimeSpan[] order = [.. doneAt.Order()];
        return new SoakOutcome(faults, Volatile.Read(ref retries), took, order[(calls * 99 / 100) - 1]);
    }
}

/// <summary>How a soak went: faults that struck, calls retried after a crash, how long the calls took, and how long 99 % of them took.</summary>
internal readonly record struct SoakOutcome(int Faults, int Retries, TimeSpan Took, TimeSpan NinetyNinePercent)
{
    public override string ToString() =>
        $"{Faults} faults, {Retries} calls retried, 99 % done after {NinetyNinePercent.TotalSeconds:F1} s, all after {Took.TotalSeconds:F1} s";
}

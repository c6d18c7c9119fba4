using System.Diagnostics;

namespace Spindle.Tests.Support;

/// <summary>Every wait in a test is bounded and fails loudly: these are the bounds.</summary>
internal static class Bounded
{
    /// <summary>Long enough for anything that should happen (a cold worker start on a loaded CI machine); infinite under a debugger.</summary>
    public static TimeSpan Unexpected => Debugger.IsAttached ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(60);

    /// <summary>For a soak of thousands of calls under faults: long, but never a hang; infinite under a debugger.</summary>
    public static TimeSpan Soak => Debugger.IsAttached ? Timeout.InfiniteTimeSpan : TimeSpan.FromMinutes(4);

    /// <summary>For things that should not happen: how long we wait to see that they don't.</summary>
    public static TimeSpan Expected => TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// For things that must happen promptly, not merely eventually (a stop that must not wait for a blocked thread):
    /// far above their normal time, far below the pool's own grace periods; infinite under a debugger.
    /// </summary>
    public static TimeSpan Prompt => Debugger.IsAttached ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(5);

    /// <summary>Awaits <paramref name="task"/> or fails the test naming what was awaited.</summary>
    public static async Task<T> Within<T>(this Task<T> task, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(Unexpected)) != task)
        {
            throw new TimeoutException($"Timed out after {Unexpected.TotalSeconds} s waiting for {what}.");
        }

        return await task;
    }

    /// <summary>Awaits <paramref name="task"/> or fails the test naming what was awaited.</summary>
    public static Task Within(this Task task, string what) => task.Within(what, Unexpected);

    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="limit"/> or fails the test naming what was awaited.</summary>
    public static async Task Within(this Task task, string what, TimeSpan limit)
    {
        if (await Task.WhenAny(task, Task.Delay(limit)) != task)
        {
            throw new TimeoutException($"Timed out after {limit.TotalSeconds} s waiting for {what}.");
        }

        await task;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <see cref="Unexpected"/>.</summary>
    public static async Task Eventually(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Unexpected)
            {
                throw new TimeoutException($"Timed out after {Unexpected.TotalSeconds} s waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }
}

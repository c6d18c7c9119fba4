using System.Diagnostics;

namespace Spindle.Tests.Support;

/// <summary>Every wait in a test is bounded and fails loudly: these are the bounds.</summary>
internal static class Bounded
{
    /// <summary>Long enough for anything that should happen (a cold worker start on a loaded CI machine); infinite under a debugger.</summary>
    public static TimeSpan Unexpected => Debugger.IsAttached ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(60);

    /// <summary>For things that should not happen: how long we wait to see that they don't.</summary>
    public static TimeSpan Expected => TimeSpan.FromMilliseconds(300);

    /// <summary>Awaits <paramref name="task"/> or fails the test naming what was awaited.</summary>
    public static async Task<T> Within<T>(this Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Unexpected);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {Unexpected.TotalSeconds} s waiting for {what}.");
        }
    }

    /// <summary>Awaits <paramref name="task"/> or fails the test naming what was awaited.</summary>
    public static async Task Within(this Task task, string what)
    {
        try
        {
            await task.WaitAsync(Unexpected);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {Unexpected.TotalSeconds} s waiting for {what}.");
        }
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

using System.Diagnostics;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Support;

/// <summary>Asynchronous polling with the shared bound: fails loudly after <see cref="Bounded.Unexpected"/>.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Bounded.Unexpected)
            {
                throw new TimeoutException($"Timed out after {Bounded.Unexpected.TotalSeconds} s waiting until {what}.");
            }

            await Task.Delay(50);
        }
    }
}

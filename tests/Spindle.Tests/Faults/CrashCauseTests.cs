using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Faults;

/// <summary>A crash's cause comes from the worker's last words, however deep the stack it printed under them.</summary>
public class CrashCauseTests
{
    [Theory]
    [InlineData(5)]
    [InlineData(60)]
    public async Task RunAsync_FailFastUnderADeepStack_IsNamedAsFailFast(int depth)
    {
        await using WorkerPool pool = TestPools.Process(workers: 1);

        // The runtime prints "Process terminated.", the message, then the stack: 60 frames push the line naming
        // Environment.FailFast out of the 20 lines of stderr a crash keeps.
        var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(d => Deep.FailFastAt(d, "disk full"), depth).Within("the call that fails fast"));

        Assert.Contains("FailFast", crash.Cause, StringComparison.Ordinal);
        Assert.Contains("disk full", crash.StandardErrorTail, StringComparison.Ordinal);
    }

    private static class Deep
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static int FailFastAt(int depth, string message)
        {
            if (depth == 0)
            {
                Environment.FailFast(message);
            }

            return FailFastAt(depth - 1, message) + 1;
        }
    }
}

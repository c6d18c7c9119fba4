using System.Runtime.Versioning;

namespace Spindle.Sync;

/// <summary>Turns a wait's raw result into what the public async methods return (kept apart: unsafe code cannot await).</summary>
[SupportedOSPlatform("linux")]
internal static class WaitResults
{
    public static ValueTask<bool> Map(ValueTask<int> wait, Func<int, bool> outcome) =>
        wait.IsCompletedSuccessfully ? new ValueTask<bool>(outcome(wait.Result)) : MapSlow(wait, outcome);

    public static ValueTask Ignore(ValueTask<bool> wait)
    {
        if (wait.IsCompletedSuccessfully)
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(wait.AsTask());
    }

    private static async ValueTask<bool> MapSlow(ValueTask<int> wait, Func<int, bool> outcome) =>
        outcome(await wait.ConfigureAwait(false));
}

using Spindle.Tests.Support;

namespace Spindle.Tests.Sync;

/// <summary>For things that must not happen yet: whether a task finishes within <see cref="Bounded.Expected"/>.</summary>
internal static class Pending
{
    public static async Task<bool> FinishesSoon(Task task) => await Task.WhenAny(task, Task.Delay(Bounded.Expected)) == task;
}

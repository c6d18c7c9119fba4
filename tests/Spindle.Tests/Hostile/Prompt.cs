namespace Spindle.Tests.Hostile;

/// <summary>
/// The bound for what a listener under attack must still do quickly: well under the default
/// <see cref="Spindle.Ipc.ConnectionOptions.HandshakeTimeout"/> (10 s), so waiting out a silent peer fails the test.
/// </summary>
internal static class Prompt
{
    public static TimeSpan Bound => TimeSpan.FromSeconds(5);

    /// <summary>Awaits <paramref name="task"/> or fails the test naming what was awaited.</summary>
    public static async Task<T> Promptly<T>(this Task<T> task, string what)
    {
        await ((Task)task).Promptly(what);
        return await task;
    }

    /// <summary>Awaits <paramref name="task"/> or fails the test naming what was awaited.</summary>
    public static async Task Promptly(this Task task, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(Bound)) != task)
        {
            throw new TimeoutException($"Timed out after {Bound.TotalSeconds} s waiting for {what}: something held it up (a silent peer's handshake?).");
        }

        await task;
    }
}

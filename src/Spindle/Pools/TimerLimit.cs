namespace Spindle.Pools;

/// <summary>
/// The longest a pool's time options may be. A pool waits them out with timers, and a timer waits at most about 49.7
/// days (2^32 - 2 ms): a longer one throws where it is armed, on a pool's thread, which would end the process. So the
/// options refuse it where they are set, naming the option.
/// </summary>
internal static class TimerLimit
{
    /// <summary>49 days: a round figure below what a timer waits.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(49);

    /// <summary>Positive, and at most <see cref="Longest"/>.</summary>
    public static TimeSpan Positive(TimeSpan value, string name) =>
        value > TimeSpan.Zero && value <= Longest
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and at most 49 days (the longest a timer waits).");
}

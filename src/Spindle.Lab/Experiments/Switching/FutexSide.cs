namespace Spindle.Lab.Experiments.Switching;

/// <summary>What one side of a futex ping-pong saw.</summary>
/// <param name="Switches">Its voluntary and involuntary context switches during the rounds; -1 where unreadable.</param>
/// <param name="TouchAloneMicroseconds">Microseconds to touch its array once with no switch in between.</param>
/// <param name="Checksum">The sum of every value its touches read (see <see cref="WorkingSet.TouchedEveryLine"/>).</param>
/// <param name="Touches">How many times it touched its whole array.</param>
/// <param name="Lines">Cache lines in its array.</param>
internal sealed record FutexSide(long[] Switches, double TouchAloneMicroseconds, long Checksum, long Touches, int Lines)
{
    /// <summary>Whether the checksum proves every line was read on every touch.</summary>
    public bool TouchedEveryLine => WorkingSet.ChecksumHolds(Checksum, Lines, Touches);
}

/// <summary>The opening side's view of a futex ping-pong: the timed rounds and its own side.</summary>
internal sealed record FutexServed(long ElapsedTicks, bool Pinned, FutexSide Side);

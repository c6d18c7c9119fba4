using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spindle.Lab.Experiments.Switching;

/// <summary>
/// One side's private array, touched before each hand-off as lmbench's lat_ctx does. Every cache line is read, changed
/// and written back, and what was read is added to a checksum the lab checks afterwards (<see cref="TouchedEveryLine"/>),
/// so neither the compiler nor the JIT can leave the work out.
/// </summary>
internal sealed unsafe class WorkingSet : IDisposable
{
    /// <summary>Bytes of a cache line on the machines .NET runs on.</summary>
    public const int LineBytes = 64;

    private const int LongsPerLine = LineBytes / sizeof(long);

    private readonly long* _memory;

    /// <summary>Allocates <paramref name="bytes"/> of zeroed memory and touches it once, so page faults stay out of the timings.</summary>
    public WorkingSet(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Lines = bytes / LineBytes;
        if (Lines > 0)
        {
            _memory = (long*)NativeMemory.AlignedAlloc((nuint)(Lines * LineBytes), 4096);
            NativeMemory.Clear(_memory, (nuint)(Lines * LineBytes));
        }

        Touch();
    }

    public int Lines { get; }

    /// <summary>The sum of every value read so far.</summary>
    public long Checksum { get; private set; }

    /// <summary>How many times the whole array was touched, including the first touch that faulted it in.</summary>
    public long Touches { get; private set; }

    /// <summary>Whether the checksum proves every line was read on every touch (see <see cref="ChecksumHolds"/>).</summary>
    public bool TouchedEveryLine => ChecksumHolds(Checksum, Lines, Touches);

    /// <summary>
    /// Every line holds the number of earlier touches, so touch t reads t on every line and the checksum must be
    /// lines × (0 + 1 + … + (touches − 1)); anything else means lines were skipped.
    /// </summary>
    public static bool ChecksumHolds(long checksum, int lines, long touches) => checksum == lines * (touches * (touches - 1) / 2);

    /// <summary>Reads, increments and writes back the first word of every cache line.</summary>
    // Fully optimized from the first call in every process, so a worker process does not time tier-0 code against this one's tier-1.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public void Touch()
    {
        long* line = _memory;
        long sum = 0;
        for (int i = 0; i < Lines; i++, line += LongsPerLine)
        {
            long value = *line;
            *line = value + 1;
            sum += value;
        }

        Checksum += sum;
        Touches++;
    }

    /// <summary>Microseconds per touch over <paramref name="count"/> touches with no switch in between: the cost lat_ctx subtracts.</summary>
    public double MicrosecondsAlone(int count)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            Touch();
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / count;
    }

    public void Dispose()
    {
        if (_memory is not null)
        {
            NativeMemory.AlignedFree(_memory);
        }
    }
}

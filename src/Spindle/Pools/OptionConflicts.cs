using Spindle;

namespace Spindle.Pools;

/// <summary>
/// Option values that are valid one by one but not together, refused when a pool is created. A setter cannot refuse
/// them: the option it conflicts with may be set after it, as configuration binds its keys in any order.
/// </summary>
internal static class OptionConflicts
{
    /// <summary>Why a pool cannot be created with <paramref name="options"/>, one sentence per conflict, naming the options; empty when it can.</summary>
    public static IEnumerable<string> Find(WorkerPoolOptions options)
    {
        if (options.WorkerOutput == WorkerOutput.Logger && options.LoggerFactory is null)
        {
            yield return "WorkerPoolOptions.WorkerOutput is Logger, but WorkerPoolOptions.LoggerFactory is null: set LoggerFactory, or leave WorkerOutput at Console.";
        }

        if (options.MemoryLimit is not null && options.Isolation == Isolation.Thread)
        {
            // Never ignored silently: a limit the user believes in but that is not enforced is worse than none.
            yield return "WorkerPoolOptions.MemoryLimit applies to worker processes, but WorkerPoolOptions.Isolation is Thread: worker threads share " +
                "this process's memory, which MemoryLimit cannot bound. Leave MemoryLimit null, or set Isolation to Process.";
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> with the first conflict <see cref="Find"/> names.</summary>
    public static void ThrowIfAny(WorkerPoolOptions options)
    {
        if (Find(options).FirstOrDefault() is { } conflict)
        {
            throw new ArgumentException(conflict, nameof(options));
        }
    }
}

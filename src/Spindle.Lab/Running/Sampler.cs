using System.Diagnostics;

namespace Spindle.Lab.Running;

/// <summary>Takes timed samples: a few unrecorded warm-up runs, then one Stopwatch interval per sample.</summary>
internal static class Sampler
{
    /// <summary>Microseconds of each of <paramref name="count"/> runs of <paramref name="action"/>, after <paramref name="warmUp"/> unrecorded runs.</summary>
    public static List<double> Microseconds(int count, Action action, int warmUp = 2)
    {
        for (int i = 0; i < warmUp; i++)
        {
            action();
        }

        var samples = new List<double>(count);
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        return samples;
    }

    /// <summary>Microseconds of each of <paramref name="count"/> runs of an asynchronous <paramref name="action"/>.</summary>
    public static async Task<List<double>> MicrosecondsAsync(int count, Func<Task> action, int warmUp = 2)
    {
        for (int i = 0; i < warmUp; i++)
        {
            await action();
        }

        var samples = new List<double>(count);
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await action();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        return samples;
    }

    /// <summary>Runs <paramref name="body"/> on a new dedicated thread and waits for it (experiments that pin or block a thread).</summary>
    public static Task<T> OnDedicatedThread<T>(Func<T> body, string name)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(body());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }
}

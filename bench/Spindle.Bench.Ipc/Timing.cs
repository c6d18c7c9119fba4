using System.Diagnostics;
using Spindle.Bench.Ipc.Echo;

namespace Spindle.Bench.Ipc;

/// <summary>Times round trips one by one, and bursts as messages per second.</summary>
internal static class Timing
{
    public static void RoundTrips(IEcho echo, int size, int count, List<double>? samples)
    {
        byte[] message = new byte[size];
        Random.Shared.NextBytes(message);
        message[0] = 1; // never empty: an empty message means "a burst follows"
        byte[] reply = new byte[size];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            echo.RoundTrip(message, reply);
            samples?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        if (!reply.AsSpan().SequenceEqual(message))
        {
            throw new InvalidOperationException($"{echo.GetType().Name} echoed different bytes.");
        }
    }

    public static double Burst(IEcho echo, int size, int count)
    {
        byte[] message = new byte[size];
        message[0] = 1;
        long start = Stopwatch.GetTimestamp();
        echo.Burst(message, count);
        return count / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}

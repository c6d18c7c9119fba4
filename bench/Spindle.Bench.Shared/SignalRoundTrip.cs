using System.Diagnostics;
using System.Net.Sockets;
using Spindle.Sync;
using Spindle;

namespace Spindle.Bench.Shared;

/// <summary>
/// One process signals another and waits for the answer: two auto-reset SharedEvents (futex in shared memory)
/// against one byte each way over a Unix-domain socket, the raw OS mechanism a pipe-style IPC would use.
/// </summary>
internal static class SignalRoundTrip
{
    private const int Chunk = 500;

    public static async Task RunAsync(bool quick, PythonPeer python)
    {
        int chunks = quick ? 10 : 80;
        int count = (chunks + 2) * Chunk;
        using SharedEvent ping = SharedEvent.Create(EventResetMode.AutoReset);
        using SharedEvent pong = SharedEvent.Create(EventResetMode.AutoReset);
        await using var eventPeer = new WorkerProcess(Answer, ping, pong, count);
        eventPeer.Start();

        string path = Path.Combine(Path.GetTempPath(), $"spindle-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        await using var socketPeer = new WorkerProcess(Echo, path, count);
        socketPeer.Start();
        using Socket connection = await listener.AcceptAsync();
        File.Delete(path);

        // Chunks of each alternate, so load from elsewhere on the machine falls on both alike.
        var shared = new List<double>();
        var socket = new List<double>();
        byte[] one = new byte[1];
        for (int c = 0; c < chunks + 2; c++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Chunk; i++)
            {
                ping.Set();
                pong.Wait();
            }

            double eventMicros = Stopwatch.GetElapsedTime(start).TotalMicroseconds / Chunk;
            start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Chunk; i++)
            {
                connection.Send(one);
                connection.Receive(one);
            }

            double socketMicros = Stopwatch.GetElapsedTime(start).TotalMicroseconds / Chunk;
            if (c >= 2)
            {
                // The first two chunks warm both paths up.
                shared.Add(eventMicros);
                socket.Add(socketMicros);
            }
        }

        await eventPeer.JoinAsync();
        await socketPeer.JoinAsync();
        double spindle = Median(shared);
        double raw = Median(socket);
        Console.WriteLine($"Cross-process signal round trip (median of {chunks} alternating chunks of {Chunk}; min in brackets)");
        Console.WriteLine($"  SharedEvent pair (futex):        {spindle,8:F2} µs  [{shared.Min():F2}]");
        Console.WriteLine($"  raw Unix-socket ping-pong:       {raw,8:F2} µs  [{socket.Min():F2}]");
        Console.WriteLine($"  ratio SharedEvent / raw UDS:     {spindle / raw,8:F2}x   goal <= 0.5x   {(spindle / raw <= 0.5 ? "PASS" : "MISS")}");
        if (python.Available)
        {
            double peer = await python.MeasureAsync("round_trip_us", "signal", "--count", (chunks * Chunk).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Console.WriteLine($"  Python multiprocessing.Event:    {peer,8:F2} µs   (SharedEvent is {peer / spindle:F1}x faster)");
        }
    }

    private static void Answer(SharedEvent ping, SharedEvent pong, int count)
    {
        for (int i = 0; i < count; i++)
        {
            ping.Wait();
            pong.Set();
        }
    }


    private static void Echo(string path, int count)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        byte[] one = new byte[1];
        for (int i = 0; i < count; i++)
        {
            socket.Receive(one);
            socket.Send(one);
        }
    }

    internal static double Median(List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using Spindle.Bench.Harness;

namespace Spindle.Bench.Measurements;

/// <summary>
/// The floor under any cross-process call: 64 bytes there and back over a Unix domain socket between two processes,
/// blocking send and receive, nothing else. The far end is this bench started again with <c>uds-echo PATH</c>.
/// </summary>
internal sealed class UdsPingPong : IDisposable
{
    public const string ChildCommand = "uds-echo";
    private const int MessageBytes = 64;

    // Blocking sockets wait at most this long, so neither side can hang the run.
    private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _child;
    private readonly Socket _socket;
    private readonly string _directory;
    private readonly byte[] _message = new byte[MessageBytes];
    private readonly byte[] _reply = new byte[MessageBytes];

    private UdsPingPong(Process child, Socket socket, string directory)
    {
        _child = child;
        _socket = socket;
        _directory = directory;
        _socket.ReceiveTimeout = (int)IoTimeout.TotalMilliseconds;
        _socket.SendTimeout = (int)IoTimeout.TotalMilliseconds;
        Random.Shared.NextBytes(_message);
    }

    public static async Task<UdsPingPong> StartAsync(TimeSpan timeout)
    {
        string directory = Directory.CreateTempSubdirectory("spindle-bench-").FullName;
        string path = Path.Combine(directory, "echo.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        Process child = Process.Start(Launch.Self(ChildCommand, path)) ?? throw new InvalidOperationException("Could not start the echo process.");
        child.OutputDataReceived += (_, _) => { };
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"  uds-echo: {e.Data}"); } };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        try
        {
            Socket socket = await listener.AcceptAsync().WaitAsync(timeout);
            return new UdsPingPong(child, socket, directory);
        }
        catch
        {
            child.Kill();
            child.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="count"/> round trips, adding each one's time in microseconds to <paramref name="samples"/>.</summary>
    public void Run(int count, List<double>? samples)
    {
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            _socket.Send(_message);
            if (ReceiveExactly(_socket, _reply) < MessageBytes)
            {
                throw new InvalidOperationException("The echo process closed the connection.");
            }

            samples?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        if (!_reply.AsSpan().SequenceEqual(_message))
        {
            throw new InvalidOperationException("The echo process sent back different bytes.");
        }
    }

    /// <summary>The child's side: echo every 64-byte message until the parent closes the connection.</summary>
    public static int Serve(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = (int)IoTimeout.TotalMilliseconds;
        socket.SendTimeout = (int)IoTimeout.TotalMilliseconds;
        byte[] buffer = new byte[MessageBytes];
        while (ReceiveExactly(socket, buffer) == MessageBytes)
        {
            socket.Send(buffer);
        }

        return 0;
    }

    public void Dispose()
    {
        _socket.Shutdown(SocketShutdown.Both);
        _socket.Dispose();
        if (!_child.WaitForExit(IoTimeout))
        {
            _child.Kill();
        }

        _child.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static int ReceiveExactly(Socket socket, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = socket.Receive(buffer, total, buffer.Length - total, SocketFlags.None);
            if (n == 0)
            {
                return total;
            }

            total += n;
        }

        return total;
    }
}

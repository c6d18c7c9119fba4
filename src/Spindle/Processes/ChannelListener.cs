using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Spindle.Wire;

namespace Spindle.Processes;

/// <summary>
/// The private channel's front door: a Unix domain socket in a 0700 directory. A connection counts only after it
/// proves itself with the owner's random token (compared in constant time) in a small, time-limited hello frame;
/// anything else is closed without touching any worker.
/// </summary>
internal sealed class ChannelListener : IAsyncDisposable
{
    public const int TokenBytes = 32;

    /// <summary>Hello payload: token, worker id, role, pid.</summary>
    public const int HelloBytes = TokenBytes + 8 + 1 + 4;

    private const int MaxConcurrentAdmissions = 32;

    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly byte[] _token = RandomNumberGenerator.GetBytes(TokenBytes);
    private readonly ConcurrentDictionary<long, Expected> _expected = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;
    private readonly Thread _acceptLoop;
    private int _admitting;

    public ChannelListener(ILogger logger)
    {
        _logger = logger;
        Directory = RuntimeDirectory.CreateOwnerDirectory();
        SocketPath = Path.Combine(Directory, "channel.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _listener.Listen(64);
        _acceptLoop = new Thread(AcceptLoop) { IsBackground = true, Name = "Spindle channel listener" };
        _acceptLoop.Start();
    }

    public string Directory { get; }

    public string SocketPath { get; }

    /// <summary>The token as it is handed to a worker out of band (its environment, readable only by this user).</summary>
    public string TokenHex => Convert.ToHexString(_token);

    /// <summary>How many connections were refused (wrong token, bad hello, unknown worker).</summary>
    public int RejectedConnections => _rejected;

    private int _rejected;

    /// <summary>Registers a worker about to start; the task completes when both its connections have proven themselves.</summary>
    public Task<(Socket Data, Socket Control)> Expect(long workerId) =>
        _expected.GetOrAdd(workerId, _ => new Expected()).Both.Task;

    public void Forget(long workerId)
    {
        if (_expected.TryRemove(workerId, out Expected? expected))
        {
            expected.Both.TrySetCanceled();
            expected.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);

        // Closing a socket does not wake a thread blocked in accept() on Linux; shutting it down does.
        try
        {
            _listener.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Not connected: expected for a listener on some kernels; closing below is enough there.
        }

        _listener.Dispose();
        await Task.Run(() => _acceptLoop.Join(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        foreach (long id in _expected.Keys)
        {
            Forget(id);
        }

        RuntimeDirectory.Delete(Directory);
        _stopping.Dispose();
    }

    private void AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = _listener.Accept();
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return;
            }

            if (Interlocked.Increment(ref _admitting) > MaxConcurrentAdmissions)
            {
                // A flood of connections that never say hello must not pin threads; real workers retry nothing and never flood.
                Interlocked.Decrement(ref _admitting);
                Refuse(connection);
                continue;
            }

            var admission = new Thread(() => Admit(connection)) { IsBackground = true, Name = "Spindle channel admission" };
            admission.Start();
        }
    }

    /// <summary>
    /// Reads the hello with plain blocking I/O and a receive timeout. (An async read would switch the socket to
    /// non-blocking mode for good, and every later result would take an extra hop through the socket engine.)
    /// </summary>
    private void Admit(Socket connection)
    {
        try
        {
            connection.ReceiveTimeout = (int)HelloTimeout.TotalMilliseconds;
            byte[] hello = new byte[Frame.HeaderSize + HelloBytes];
            int got = 0;
            while (got < hello.Length)
            {
                int n = connection.Receive(hello, got, hello.Length - got, SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                got += n;
            }

            if (got == hello.Length && Admit(hello, connection))
            {
                connection.ReceiveTimeout = 0;
                return;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Too slow, or gone: refused like any other bad hello.
        }
        finally
        {
            Interlocked.Decrement(ref _admitting);
        }

        Refuse(connection);
    }

    private void Refuse(Socket connection)
    {
        Interlocked.Increment(ref _rejected);
        _logger.LogWarning("Refused a connection on {SocketPath}: it did not present a valid hello in time.", SocketPath);
        connection.Dispose();
    }

    private bool Admit(ReadOnlySpan<byte> hello, Socket connection)
    {
        if (BinaryPrimitives.ReadInt32LittleEndian(hello) != HelloBytes || hello[4] != (byte)FrameKind.Hello)
        {
            return false;
        }

        ReadOnlySpan<byte> payload = hello[Frame.HeaderSize..];
        if (!CryptographicOperations.FixedTimeEquals(payload[..TokenBytes], _token))
        {
            return false;
        }

        long workerId = BinaryPrimitives.ReadInt64LittleEndian(payload[TokenBytes..]);
        var role = (ChannelRole)payload[TokenBytes + 8];
        return _expected.TryGetValue(workerId, out Expected? expected) && expected.Accept(role, connection);
    }

    /// <summary>The two connections a starting worker will open.</summary>
    private sealed class Expected : IDisposable
    {
        private readonly Lock _gate = new();
        private Socket? _data;
        private Socket? _control;

        public TaskCompletionSource<(Socket Data, Socket Control)> Both { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Accept(ChannelRole role, Socket connection)
        {
            lock (_gate)
            {
                if (role == ChannelRole.Data && _data is null)
                {
                    _data = connection;
                }
                else if (role == ChannelRole.Control && _control is null)
                {
                    _control = connection;
                }
                else
                {
                    return false;
                }

                if (_data is not null && _control is not null)
                {
                    Both.TrySetResult((_data, _control));
                }

                return true;
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (!Both.Task.IsCompletedSuccessfully)
                {
                    _data?.Dispose();
                    _control?.Dispose();
                }
            }
        }
    }
}

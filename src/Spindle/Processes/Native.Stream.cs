using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Spindle.Processes;

/// <summary>
/// Blocking connect, send and receive on the private channel with plain system calls. In a fresh process the first
/// <see cref="Socket.Connect(System.Net.EndPoint)"/>, <see cref="Socket.Send(ReadOnlySpan{byte}, SocketFlags)"/> or
/// <see cref="Socket.Receive(Span{byte}, SocketFlags)"/> creates the sockets telemetry event source, which costs a
/// new worker about 15 ms of CPU before its first call — half a bare process's start-up. The channel's sockets are
/// blocking (nothing uses them asynchronously), so the system calls behave as the managed ones do; a socket someone
/// switched to non-blocking mode, or any OS but Linux, takes the managed path.
/// </summary>
internal static unsafe partial class Native
{
    private const int StreamErrnoInterrupted = 4;
    private const int StreamErrnoWouldBlock = 11;
    private const int UnixPathBytes = 108;

    /// <summary>A blocking Unix stream socket connected to <paramref name="path"/>.</summary>
    public static Socket ConnectUnixStream(string path)
    {
        if (!IsLinux)
        {
            var managed = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                managed.Connect(new UnixDomainSocketEndPoint(path));
                return managed;
            }
            catch
            {
                managed.Dispose();
                throw;
            }
        }

        if (Encoding.UTF8.GetByteCount(path) >= UnixPathBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(path), path, $"A Unix socket path must be shorter than {UnixPathBytes} bytes.");
        }

        var address = default(UnixAddress);
        address.Family = AfUnix;
        int length = Encoding.UTF8.GetBytes(path, new Span<byte>(address.Path, UnixPathBytes - 1));
        int fd = socket(AfUnix, SockStream | SockCloexec, 0);
        if (fd < 0)
        {
            throw StreamError(Marshal.GetLastPInvokeError(), "socket");
        }

        while (connect(fd, &address, (uint)(sizeof(ushort) + length + 1)) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != StreamErrnoInterrupted)
            {
                _ = close(fd);
                throw StreamError(errno, $"connect to '{path}'");
            }
        }

        return Wrap(fd);
    }

    /// <summary>Sends some of <paramref name="data"/> (blocking until the socket takes at least one byte); returns the count.</summary>
    public static int StreamSend(Socket socket, ReadOnlySpan<byte> data)
    {
        if (!IsLinux)
        {
            return socket.Send(data, SocketFlags.None);
        }

        nint sent;
        bool added = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added);
            int fd = (int)socket.SafeHandle.DangerousGetHandle();
            fixed (byte* bytes = data)
            {
                do
                {
                    sent = SendBytes(fd, bytes, (nuint)data.Length, MsgNosignal);
                }
                while (sent < 0 && Marshal.GetLastPInvokeError() == StreamErrnoInterrupted);
            }
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }

        if (sent >= 0)
        {
            return (int)sent;
        }

        // Non-blocking mode (or a send timeout): the managed call knows how to wait.
        int errno = Marshal.GetLastPInvokeError();
        return errno == StreamErrnoWouldBlock ? socket.Send(data, SocketFlags.None) : throw StreamError(errno, "send");
    }

    /// <summary>Receives into <paramref name="buffer"/>, blocking until something arrives; 0 at the end of the stream.</summary>
    public static int StreamReceive(Socket socket, Span<byte> buffer)
    {
        if (!IsLinux)
        {
            return socket.Receive(buffer, SocketFlags.None);
        }

        nint received;
        bool added = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added);
            int fd = (int)socket.SafeHandle.DangerousGetHandle();
            fixed (byte* bytes = buffer)
            {
                do
                {
                    received = ReceiveBytes(fd, bytes, (nuint)buffer.Length, 0);
                }
                while (received < 0 && Marshal.GetLastPInvokeError() == StreamErrnoInterrupted);
            }
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }

        if (received >= 0)
        {
            return (int)received;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == StreamErrnoWouldBlock ? socket.Receive(buffer, SocketFlags.None) : throw StreamError(errno, "recv");
    }

    /// <summary>The exception the managed call would have thrown, with the error code callers test for.</summary>
    private static SocketException StreamError(int errno, string operation)
    {
        SocketError error = errno switch
        {
            32 => SocketError.Shutdown, // EPIPE
            103 => SocketError.ConnectionAborted,
            104 => SocketError.ConnectionReset,
            107 => SocketError.NotConnected,
            111 => SocketError.ConnectionRefused,
            2 => SocketError.AddressNotAvailable, // ENOENT: no socket file at the path
            9 => SocketError.OperationAborted, // EBADF: closed under us
            _ => SocketError.SocketError,
        };
        return new SocketException((int)error, $"{operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct UnixAddress
    {
        public ushort Family;
        public fixed byte Path[UnixPathBytes];
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, UnixAddress* address, uint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendBytes(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint ReceiveBytes(int fd, byte* buffer, nuint length, int flags);
}

using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Spindle.Interop;

/// <summary>
/// Blocking connect, send and receive on the private channel with plain system calls. In a fresh process the managed
/// socket calls are costly: the first <see cref="Socket.Connect(System.Net.EndPoint)"/>, <c>Send</c> or <c>Receive</c>
/// creates the sockets telemetry event source (about 15 ms of CPU), and creating the first <see cref="Socket"/> loads
/// System.Net.Sockets and starts its event loop (about 6 ms) — together more than a bare process's whole start-up.
/// A worker on Linux therefore holds its channel as a plain descriptor (<see cref="ChannelDescriptor"/>); the
/// parent's sockets are managed but do their blocking I/O here too. Channel sockets stay in blocking mode (nothing
/// uses them asynchronously), so the system calls behave as the managed ones do; a managed socket someone switched
/// to non-blocking mode, or any OS but Linux, takes the managed path.
/// </summary>
internal static unsafe partial class Native
{
    private const int StreamErrnoInterrupted = 4;
    private const int StreamErrnoWouldBlock = 11;
    private const int StreamShutdownBoth = 2;
    private const int UnixPathBytes = 108;

    /// <summary>A blocking Unix stream socket connected to <paramref name="path"/>, as a plain descriptor (Linux only).</summary>
    public static ChannelDescriptor ConnectUnixDescriptor(string path)
    {
        if (!IsLinux)
        {
            throw new PlatformNotSupportedException("Channel descriptors are for Linux; use a Socket elsewhere.");
        }

        if (Encoding.UTF8.GetByteCount(path) >= UnixPathBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(path), path, $"A Unix socket path must be shorter than {UnixPathBytes} bytes.");
        }

        var address = default(UnixAddress);
        address.Family = AfUnix;
        int length = Encoding.UTF8.GetBytes(path, new Span<byte>(address.Path, UnixPathBytes - 1));
        var descriptor = new ChannelDescriptor(socket(AfUnix, SockStream | SockCloexec, 0));
        if (descriptor.IsInvalid)
        {
            throw StreamError(Marshal.GetLastPInvokeError(), "socket");
        }

        while (connect((int)descriptor.DangerousGetHandle(), &address, (uint)(sizeof(ushort) + length + 1)) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != StreamErrnoInterrupted)
            {
                descriptor.Dispose();
                throw StreamError(errno, $"connect to '{path}'");
            }
        }

        return descriptor;
    }

    /// <summary>
    /// Sends some of <paramref name="data"/> on <paramref name="handle"/>, blocking until the socket takes at least one
    /// byte; returns the count. <paramref name="managed"/> (the handle's <see cref="Socket"/>, if it has one) takes over
    /// off Linux and when the socket is in non-blocking mode.
    /// </summary>
    public static int StreamSend(SafeHandle handle, ReadOnlySpan<byte> data, Socket? managed)
    {
        if (!IsLinux && managed is not null)
        {
            return managed.Send(data, SocketFlags.None);
        }

        nint sent;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
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
                handle.DangerousRelease();
            }
        }

        if (sent >= 0)
        {
            return (int)sent;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == StreamErrnoWouldBlock && managed is not null ? managed.Send(data, SocketFlags.None) : throw StreamError(errno, "send");
    }

    /// <summary>
    /// Receives into <paramref name="buffer"/> from <paramref name="handle"/>, blocking until something arrives; 0 at
    /// the end of the stream. <paramref name="managed"/> takes over as for <see cref="StreamSend"/>.
    /// </summary>
    public static int StreamReceive(SafeHandle handle, Span<byte> buffer, Socket? managed)
    {
        if (!IsLinux && managed is not null)
        {
            return managed.Receive(buffer, SocketFlags.None);
        }

        nint received;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
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
                handle.DangerousRelease();
            }
        }

        if (received >= 0)
        {
            return (int)received;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == StreamErrnoWouldBlock && managed is not null ? managed.Receive(buffer, SocketFlags.None) : throw StreamError(errno, "recv");
    }

    /// <summary>How many bytes are waiting to be received on <paramref name="handle"/> (FIONREAD); 0 if unknown.</summary>
    public static int BytesAvailable(SafeHandle handle)
    {
        if (!IsLinux)
        {
            return 0;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int count = 0;
            return ioctl((int)handle.DangerousGetHandle(), FionRead, &count) == 0 ? count : 0;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="handle"/> has something to receive (or its end), asked with a zero-timeout poll. For a
    /// TCP socket this is the cheap question: FIONREAD takes the socket's lock, and a receiver asking it over and over
    /// while it watches (<see cref="Wire.ReadableWatch"/>) makes every segment the sender delivers meanwhile wait in
    /// the socket's backlog until the lock is let go; poll looks without the lock.
    /// </summary>
    public static bool Readable(SafeHandle handle)
    {
        const short pollIn = 0x1;
        if (!IsLinux)
        {
            return false;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var entry = new PollEntry { Descriptor = (int)handle.DangerousGetHandle(), Events = pollIn };
            return poll(&entry, 1, 0) > 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Stops traffic both ways (a blocked receive on the other end sees the end of the stream).</summary>
    public static void StreamShutdown(ChannelDescriptor descriptor)
    {
        bool added = false;
        try
        {
            descriptor.DangerousAddRef(ref added);
            _ = shutdown((int)descriptor.DangerousGetHandle(), StreamShutdownBoth);
        }
        catch (ObjectDisposedException)
        {
            // Already closed: no more traffic either way.
        }
        finally
        {
            if (added)
            {
                descriptor.DangerousRelease();
            }
        }
    }

    /// <summary>The exception the managed call would have thrown, with the error code callers test for.</summary>
    private static SocketException StreamError(int errno, string operation)
    {
        SocketError error = errno switch
        {
            2 => SocketError.AddressNotAvailable, // ENOENT: no socket file at the path
            9 => SocketError.OperationAborted, // EBADF: closed under us
            11 => SocketError.WouldBlock,
            32 => SocketError.Shutdown, // EPIPE
            103 => SocketError.ConnectionAborted,
            104 => SocketError.ConnectionReset,
            107 => SocketError.NotConnected,
            111 => SocketError.ConnectionRefused,
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

    private const nuint FionRead = 0x541B;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, int* count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, UnixAddress* address, uint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int CloseDescriptor(int fd);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendBytes(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint ReceiveBytes(int fd, byte* buffer, nuint length, int flags);
}

using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>A send that never blocks, for threads that must not wait on a peer (a worker's reader thread).</summary>
internal static unsafe partial class Native
{
    private const int MsgDontwait = 0x40;

    /// <summary>Whether <see cref="TrySendNow"/> works here (Linux); elsewhere callers send from a thread that may block.</summary>
    public static bool CanSendWithoutBlocking => IsLinux;

    /// <summary>
    /// Sends what the socket takes right now: the byte count (0 when its buffer is full), or -1 when the connection
    /// is broken. The socket itself stays in blocking mode for everyone else.
    /// </summary>
    public static int TrySendNow(Socket socket, ReadOnlySpan<byte> data)
    {
        bool added = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added);
            int fd = (int)socket.SafeHandle.DangerousGetHandle();
            fixed (byte* bytes = data)
            {
                while (true)
                {
                    nint sent = SendBytes(fd, bytes, (nuint)data.Length, MsgDontwait | MsgNosignal);
                    if (sent >= 0)
                    {
                        return (int)sent;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (errno != StreamErrnoInterrupted)
                    {
                        return errno == StreamErrnoWouldBlock ? 0 : -1;
                    }
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }
    }
}

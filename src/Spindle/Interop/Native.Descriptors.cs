using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>Socket pairs and handing a descriptor to another process (SCM_RIGHTS), which .NET does not expose.</summary>
internal static unsafe partial class Native
{
    private const int AfUnix = 1;
    private const int SockStream = 1;
    private const int SockCloexec = 0x80000;
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgCmsgCloexec = 0x40000000;
    private const int MsgNosignal = 0x4000;

    /// <summary>Two connected Unix stream sockets.</summary>
    public static (Socket First, Socket Second) CreateSocketPair()
    {
        int* fds = stackalloc int[2];
        if (socketpair(AfUnix, SockStream | SockCloexec, 0, fds) != 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        return (Wrap(fds[0]), Wrap(fds[1]));
    }

    /// <summary>Sends <paramref name="data"/> over <paramref name="channel"/> with a copy of <paramref name="descriptor"/> attached.</summary>
    public static void SendWithDescriptor(Socket channel, ReadOnlySpan<byte> data, Socket descriptor)
    {
        int fd = (int)descriptor.SafeHandle.DangerousGetHandle();
        byte* control = stackalloc byte[ControlSpace];
        new Span<byte>(control, ControlSpace).Clear();
        var header = (CmsgHeader*)control;
        header->Length = (nuint)(sizeof(CmsgHeader) + sizeof(int));
        header->Level = SolSocket;
        header->Type = ScmRights;
        *(int*)(control + sizeof(CmsgHeader)) = fd;
        fixed (byte* bytes = data)
        {
            var vector = new IoVector { Base = bytes, Length = (nuint)data.Length };
            var message = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = (nuint)ControlSpace };
            if (sendmsg((int)channel.SafeHandle.DangerousGetHandle(), &message, MsgNosignal) != data.Length)
            {
                throw new SocketException(Marshal.GetLastPInvokeError());
            }
        }

        GC.KeepAlive(descriptor);
    }

    /// <summary>
    /// Receives up to <paramref name="data"/>.Length bytes and the descriptor attached to them, if any.
    /// Returns the byte count (0 at end of stream).
    /// </summary>
    public static int ReceiveWithDescriptor(Socket channel, Span<byte> data, out Socket? descriptor)
    {
        descriptor = null;
        byte* control = stackalloc byte[ControlSpace];
        new Span<byte>(control, ControlSpace).Clear();
        long received;
        fixed (byte* bytes = data)
        {
            var vector = new IoVector { Base = bytes, Length = (nuint)data.Length };
            var message = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = (nuint)ControlSpace };
            received = recvmsg((int)channel.SafeHandle.DangerousGetHandle(), &message, MsgCmsgCloexec);
            if (received < 0)
            {
                throw new SocketException(Marshal.GetLastPInvokeError());
            }

            var header = (CmsgHeader*)control;
            if (message.ControlLength >= (nuint)sizeof(CmsgHeader) && header->Level == SolSocket && header->Type == ScmRights)
            {
                descriptor = Wrap(*(int*)(control + sizeof(CmsgHeader)));
            }
        }

        GC.KeepAlive(channel);
        return (int)received;
    }

    private static int ControlSpace => sizeof(CmsgHeader) + 8;

    private static Socket Wrap(int fd) => new(new SafeSocketHandle(fd, ownsHandle: true));

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendmsg(int socket, MessageHeader* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvmsg(int socket, MessageHeader* message, int flags);

    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    private struct CmsgHeader
    {
        public nuint Length;
        public int Level;
        public int Type;
    }
}

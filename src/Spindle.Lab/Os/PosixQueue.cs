using System.Runtime.InteropServices;

namespace Spindle.Lab.Os;

/// <summary>A POSIX message queue (mq_open): the kernel's own message-queue IPC, the raw baseline for message queues.</summary>
internal sealed unsafe partial class PosixQueue : IDisposable
{
    private const int OpenReadWrite = 2;
    private const int OpenCreate = 0x40;
    private const int OpenExclusive = 0x80;

    private readonly int _descriptor;
    private readonly bool _owner;

    private PosixQueue(string name, int descriptor, bool owner)
    {
        Name = name;
        _descriptor = descriptor;
        _owner = owner;
    }

    public string Name { get; }

    /// <summary>The largest message an unprivileged queue may carry on this machine (/proc/sys/fs/mqueue/msgsize_max).</summary>
    public static int? SystemLimit(ProcFs proc) =>
        int.TryParse(File.Exists(Path.Combine(proc.Root, "sys/fs/mqueue/msgsize_max")) ? File.ReadAllText(Path.Combine(proc.Root, "sys/fs/mqueue/msgsize_max")).Trim() : null, out int limit) ? limit : null;

    /// <summary>Creates a queue of one-message capacity for messages up to <paramref name="messageBytes"/>; the kernel refuses sizes above its limit (EINVAL).</summary>
    public static PosixQueue Create(string name, int messageBytes)
    {
        var attributes = new Attributes { MaxMessages = 1, MessageSize = messageBytes };
        int fd = mq_open(name, OpenReadWrite | OpenCreate | OpenExclusive, 0x180 /* 0600 */, &attributes);
        return fd >= 0 ? new PosixQueue(name, fd, owner: true) : throw new IOException($"mq_open({name}, msgsize {messageBytes}) failed with errno {Marshal.GetLastPInvokeError()}.");
    }

    public static PosixQueue Open(string name)
    {
        int fd = mq_open(name, OpenReadWrite, 0, null);
        return fd >= 0 ? new PosixQueue(name, fd, owner: false) : throw new IOException($"mq_open({name}) failed with errno {Marshal.GetLastPInvokeError()}.");
    }

    public void Send(ReadOnlySpan<byte> message)
    {
        fixed (byte* data = message)
        {
            if (mq_send(_descriptor, data, message.Length, 0) != 0)
            {
                throw new IOException($"mq_send({Name}, {message.Length} bytes) failed with errno {Marshal.GetLastPInvokeError()}.");
            }
        }
    }

    /// <summary>Receives one message; <paramref name="buffer"/> must hold the queue's message size.</summary>
    public int Receive(Span<byte> buffer)
    {
        fixed (byte* data = buffer)
        {
            nint n = mq_receive(_descriptor, data, buffer.Length, null);
            return n >= 0 ? (int)n : throw new IOException($"mq_receive({Name}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    public void Dispose()
    {
        _ = mq_close(_descriptor);
        if (_owner)
        {
            _ = mq_unlink(Name);
        }
    }

    private struct Attributes
    {
        public long Flags;
        public long MaxMessages;
        public long MessageSize;
        public long CurrentMessages;
        public fixed long Reserved[4];
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mq_open(string name, int flags, uint mode, Attributes* attributes);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mq_send(int descriptor, byte* data, nint length, uint priority);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mq_receive(int descriptor, byte* data, nint length, uint* priority);

    [LibraryImport("libc")]
    private static partial int mq_close(int descriptor);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mq_unlink(string name);
}

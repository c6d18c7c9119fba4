using System.Buffers;
using System.Net.Sockets;
using Spindle.Interop;

namespace Spindle.Wire;

/// <summary>
/// Frames waiting to go out on one socket, in the order they were posted. Any thread may post; one thread at a time
/// sends, and it sends everything posted meanwhile, so frames that pile up (a burst of calls for a busy worker) leave
/// in one system call instead of one each. A thread that must never wait on the peer (the reader of the same
/// socket: waiting there while the peer waits for us to read would deadlock) flushes with <c>mayBlock: false</c>,
/// and whatever the socket cannot take at once is finished by a thread-pool thread.
/// </summary>
internal sealed class FrameOutbox : IDisposable
{
    /// <summary>Frames at least this large are sent from the caller's buffer instead of being copied into a batch.</summary>
    private const int CopyLimit = 16 << 10;

    private readonly Socket _socket;
    private readonly Lock _lock = new();
    private readonly Queue<Chunk> _queued = new();
    private byte[]? _packing;
    private int _packed;
    private bool _sending;
    private bool _broken;

    public FrameOutbox(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>
    /// Queues a frame behind those already posted; nothing is sent until <see cref="Flush"/>. A large frame is not
    /// copied: <paramref name="frame"/> must stay untouched until the frame has been sent or the peer is gone.
    /// </summary>
    public void Post(ReadOnlyMemory<byte> frame)
    {
        lock (_lock)
        {
            if (_broken)
            {
                return;
            }

            if (frame.Length >= CopyLimit)
            {
                SealPackingLocked();
                _queued.Enqueue(new Chunk(frame, Owned: null));
                return;
            }

            if (_packing is null || _packing.Length - _packed < frame.Length)
            {
                SealPackingLocked();
                _packing = ArrayPool<byte>.Shared.Rent(Math.Max(4096, frame.Length));
            }

            frame.Span.CopyTo(_packing.AsSpan(_packed));
            _packed += frame.Length;
        }
    }

    /// <summary>
    /// Sends everything posted so far. If another thread is sending already, returns at once: that thread sends these
    /// frames too. With <paramref name="mayBlock"/> false this never waits for the peer to make room.
    /// </summary>
    public void Flush(bool mayBlock)
    {
        lock (_lock)
        {
            if (_sending || _broken || (_queued.Count == 0 && _packed == 0))
            {
                return;
            }

            _sending = true;
        }

        Drain(mayBlock, default, 0);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _broken = true;
            ReleaseLocked();
        }
    }

    /// <summary>Sends chunks until none are left; <paramref name="current"/> is a chunk already begun at <paramref name="offset"/>.</summary>
    private void Drain(bool mayBlock, Chunk current, int offset)
    {
        while (true)
        {
            if (current.Bytes.IsEmpty)
            {
                lock (_lock)
                {
                    SealPackingLocked();
                    if (_broken || !_queued.TryDequeue(out current))
                    {
                        _sending = false;
                        return;
                    }
                }

                offset = 0;
            }

            while (offset < current.Bytes.Length)
            {
                // Where there is no non-blocking send, "0 bytes taken" hands the whole send to the thread pool.
                ReadOnlySpan<byte> rest = current.Bytes.Span[offset..];
                int sent = mayBlock ? SendBlocking(rest) : Native.CanSendWithoutBlocking ? Native.TrySendNow(_socket, rest) : 0;
                if (sent < 0)
                {
                    lock (_lock)
                    {
                        _broken = true;
                        _sending = false;
                        ReleaseLocked();
                    }

                    Return(current);
                    return;
                }

                if (sent == 0)
                {
                    // The peer's buffer is full and this thread may not wait: a thread-pool thread carries on from here.
                    (FrameOutbox Outbox, Chunk Chunk, int Offset) state = (this, current, offset);
                    ThreadPool.UnsafeQueueUserWorkItem(static s => s.Outbox.Drain(mayBlock: true, s.Chunk, s.Offset), state, preferLocal: false);
                    return;
                }

                offset += sent;
            }

            Return(current);
            current = default;
        }
    }

    private int SendBlocking(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return _socket.Send(bytes, SocketFlags.None);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return -1;
        }
    }

    /// <summary>Closes the batch being packed so later frames queue behind it.</summary>
    private void SealPackingLocked()
    {
        if (_packing is not null && _packed > 0)
        {
            _queued.Enqueue(new Chunk(_packing.AsMemory(0, _packed), _packing));
            _packing = null;
            _packed = 0;
        }
    }

    private void ReleaseLocked()
    {
        while (_queued.TryDequeue(out Chunk chunk))
        {
            Return(chunk);
        }

        if (_packing is not null)
        {
            ArrayPool<byte>.Shared.Return(_packing);
            _packing = null;
            _packed = 0;
        }
    }

    private static void Return(Chunk chunk)
    {
        if (chunk.Owned is not null)
        {
            ArrayPool<byte>.Shared.Return(chunk.Owned);
        }
    }

    /// <summary>Bytes to send; <see cref="Owned"/> is the pooled batch buffer they live in, if the outbox owns it.</summary>
    private readonly record struct Chunk(ReadOnlyMemory<byte> Bytes, byte[]? Owned);
}

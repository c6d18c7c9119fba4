using System.Buffers;

namespace Spindle.Wire;

/// <summary>
/// The read side of a framed stream, shared by the worker channel (<see cref="FrameSocket"/>) and IPC connections
/// (<see cref="Ipc.Connection"/>): one receive brings in as many bytes as are waiting, frames are parsed in place from
/// <see cref="Unread"/>, and a buffer grown for a big frame goes back to the pool once it is consumed, so an idle
/// end does not hold megabytes. Not thread-safe: each stream has one reader.
/// </summary>
internal sealed class ReceiveBuffer
{
    private const int InitialBytes = 4096;
    private const int KeepAtMostBytes = 1 << 20;
    private byte[] _buffer = [];
    private int _start;
    private int _end;

    /// <summary>Bytes received and not yet consumed.</summary>
    public int Count => _end - _start;

    /// <summary>The bytes received and not yet consumed.</summary>
    public Span<byte> Unread => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Where the next receive writes (after <see cref="MakeRoom"/>).</summary>
    public Span<byte> Free => _buffer.AsSpan(_end);

    /// <summary>The same as <see cref="Free"/>, for asynchronous receives.</summary>
    public Memory<byte> FreeMemory => _buffer.AsMemory(_end);

    /// <summary>Counts <paramref name="received"/> bytes just written into <see cref="Free"/>.</summary>
    public void Received(int received) => _end += received;

    /// <summary>Marks <paramref name="count"/> unread bytes as consumed.</summary>
    public void Consume(int count) => _start += count;

    /// <summary>Makes room for <paramref name="count"/> unread bytes: compacts, or moves them to a bigger pooled buffer.</summary>
    public void MakeRoom(int count)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }

        if (_buffer.Length - _start >= count)
        {
            return;
        }

        byte[] target = _buffer.Length >= count ? _buffer : ArrayPool<byte>.Shared.Rent(Math.Max(count, InitialBytes));
        Buffer.BlockCopy(_buffer, _start, target, 0, _end - _start);
        if (!ReferenceEquals(target, _buffer))
        {
            Return();
            _buffer = target;
        }

        _end -= _start;
        _start = 0;
    }

    /// <summary>Once everything is consumed: gives a buffer grown past 1 MiB back to the pool.</summary>
    public void Trim()
    {
        if (_start == _end)
        {
            _start = _end = 0;
            if (_buffer.Length > KeepAtMostBytes)
            {
                Return();
            }
        }
    }

    /// <summary>Gives the buffer back to the pool; the next <see cref="MakeRoom"/> rents another.</summary>
    public void Return()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

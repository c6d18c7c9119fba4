using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;

namespace Spindle.Wire;

/// <summary>
/// Whole frames over one connected socket with blocking I/O. Each side reads on one dedicated thread
/// (no async hops on the hot path); writes are serialized by a lock.
/// </summary>
internal sealed class FrameSocket : IDisposable
{
    private readonly Socket _socket;
    private readonly Lock _writeLock = new();
    private byte[] _readBuffer = ArrayPool<byte>.Shared.Rent(4096);
    private int _disposed;

    public FrameSocket(Socket socket, int maxFrameBytes)
    {
        _socket = socket;
        MaxFrameBytes = maxFrameBytes;
    }

    /// <summary>Frames larger than this close the connection (see <see cref="ReceiveFrame"/>).</summary>
    public int MaxFrameBytes { get; set; }

    public Socket Socket => _socket;

    /// <summary>Sends one frame already laid out by <see cref="WireWriter.BeginFrame"/> and <see cref="WireWriter.EndFrame"/>.</summary>
    public void Send(ReadOnlySpan<byte> frame)
    {
        lock (_writeLock)
        {
            while (!frame.IsEmpty)
            {
                int sent = _socket.Send(frame, SocketFlags.None);
                frame = frame[sent..];
            }
        }
    }

    /// <summary>
    /// Blocks until a whole frame arrives. Returns false at a clean end of stream (the peer closed or died).
    /// The payload stays valid until the next call.
    /// </summary>
    /// <exception cref="InvalidDataException">The frame is larger than <see cref="MaxFrameBytes"/> or cut short.</exception>
    public bool ReceiveFrame(out FrameKind kind, out ReadOnlySpan<byte> payload)
    {
        kind = default;
        payload = default;
        Span<byte> header = stackalloc byte[Frame.HeaderSize];
        int got = ReceiveExactly(header);
        if (got == 0)
        {
            return false;
        }

        if (got < Frame.HeaderSize)
        {
            throw new InvalidDataException("The connection closed in the middle of a frame header.");
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0 || length > MaxFrameBytes)
        {
            throw new InvalidDataException($"A frame of {length} bytes exceeds the limit of {MaxFrameBytes} bytes (MaxMessageBytes).");
        }

        kind = (FrameKind)header[4];
        if (_readBuffer.Length < length)
        {
            ArrayPool<byte>.Shared.Return(_readBuffer);
            _readBuffer = ArrayPool<byte>.Shared.Rent(length);
        }

        if (ReceiveExactly(_readBuffer.AsSpan(0, length)) < length)
        {
            throw new InvalidDataException($"The connection closed in the middle of a {length}-byte frame.");
        }

        payload = _readBuffer.AsSpan(0, length);
        return true;
    }

    /// <summary>Gives back a large read buffer after a big frame so an idle worker does not hold it.</summary>
    public void TrimReadBuffer()
    {
        if (_readBuffer.Length > 1 << 20)
        {
            ArrayPool<byte>.Shared.Return(_readBuffer);
            _readBuffer = ArrayPool<byte>.Shared.Rent(4096);
        }
    }

    public void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already disconnected: the goal (no more traffic) is met.
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
        }
    }

    private int ReceiveExactly(Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n;
            try
            {
                n = _socket.Receive(destination[total..], SocketFlags.None);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
            {
                n = 0;
            }

            if (n == 0)
            {
                return total;
            }

            total += n;
        }

        return total;
    }
}

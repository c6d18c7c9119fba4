using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Spindle.Interop;

namespace Spindle.Wire;

/// <summary>
/// Whole frames over one connected socket with blocking I/O. Each side reads on one dedicated thread
/// (no async hops on the hot path); writes are serialized by a lock.
/// </summary>
internal sealed class FrameSocket : IDisposable
{
    private readonly Socket? _socket;
    private readonly SafeHandle _handle;
    private readonly Lock _writeLock = new();
    private readonly ReceiveBuffer _received = new();
    private int _disposed;
    private ReadableWatch _watch;

    public FrameSocket(Socket socket, int maxFrameBytes)
    {
        _socket = socket;
        _handle = socket.SafeHandle;
        MaxFrameBytes = maxFrameBytes;
    }

    /// <summary>Over a plain descriptor: a worker's channel end, which never creates a <see cref="System.Net.Sockets.Socket"/> (see <see cref="Native.ConnectUnixDescriptor"/>).</summary>
    public FrameSocket(ChannelDescriptor descriptor, int maxFrameBytes)
    {
        _handle = descriptor;
        MaxFrameBytes = maxFrameBytes;
    }

    /// <summary>Whether a receive watches briefly before it sleeps (see <see cref="ReadableWatch"/>).</summary>
    public bool WatchBeforeSleeping { get; set; }

    /// <summary>Frames larger than this close the connection (see <see cref="ReceiveFrame"/>).</summary>
    public int MaxFrameBytes { get; set; }

    public Socket Socket => _socket ?? throw new InvalidOperationException("This channel end is a plain descriptor, not a Socket.");

    /// <summary>Sends one frame already laid out by <see cref="WireWriter.BeginFrame"/> and <see cref="WireWriter.EndFrame"/>.</summary>
    public void Send(ReadOnlySpan<byte> frame)
    {
        lock (_writeLock)
        {
            while (!frame.IsEmpty)
            {
                int sent = Native.StreamSend(_handle, frame, _socket);
                frame = frame[sent..];
            }
        }
    }

    /// <summary>
    /// Blocks until a whole frame arrives. Returns false at a clean end of stream (the peer closed or died).
    /// The payload stays valid until the next call. Reads are buffered: one system call brings in as many bytes as
    /// are waiting, so a small frame costs one read, and frames sent back to back cost one read for several.
    /// </summary>
    /// <exception cref="InvalidDataException">The frame is larger than <see cref="MaxFrameBytes"/> or cut short.</exception>
    public bool ReceiveFrame(out FrameKind kind, out ReadOnlySpan<byte> payload)
    {
        kind = default;
        payload = default;
        if (!Fill(Frame.HeaderSize))
        {
            if (_received.Count > 0)
            {
                throw new InvalidDataException("The connection closed in the middle of a frame header.");
            }

            return false;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(_received.Unread);
        if (length < 0 || length > MaxFrameBytes)
        {
            throw new InvalidDataException($"A frame of {length} bytes exceeds the limit of {MaxFrameBytes} bytes (MaxMessageBytes).");
        }

        kind = (FrameKind)_received.Unread[4];
        if (!Fill(Frame.HeaderSize + length))
        {
            throw new InvalidDataException($"The connection closed in the middle of a {length}-byte frame.");
        }

        payload = _received.Unread.Slice(Frame.HeaderSize, length);
        _received.Consume(Frame.HeaderSize + length);
        return true;
    }

    /// <summary>
    /// Whether a whole frame is already buffered, so <see cref="ReceiveFrame"/> returns without a system call. False
    /// marks the end of a burst: everything that arrived together has been handled.
    /// </summary>
    public bool HasBufferedFrame =>
        _received.Count >= Frame.HeaderSize && _received.Count >= Frame.HeaderSize + BinaryPrimitives.ReadInt32LittleEndian(_received.Unread);

    /// <summary>Gives back a large read buffer after a big frame so an idle worker does not hold it.</summary>
    public void TrimReadBuffer() => _received.Trim();

    public void Shutdown()
    {
        if (_socket is null)
        {
            Native.StreamShutdown((ChannelDescriptor)_handle);
            return;
        }

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
            (_socket ?? (IDisposable)_handle).Dispose();
        }
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes available; false if the stream ended first.</summary>
    private bool Fill(int count)
    {
        if (_received.Count >= count)
        {
            return true;
        }

        _received.MakeRoom(count);
        while (_received.Count < count)
        {
            int n;
            try
            {
                if (WatchBeforeSleeping)
                {
                    _watch.WaitBriefly(_handle);
                }

                n = Native.StreamReceive(_handle, _received.Free, _socket);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
            {
                n = 0;
            }

            if (n == 0)
            {
                return false;
            }

            _received.Received(n);
        }

        return true;
    }
}

using System.Net.Sockets;
using Spindle.Wire;

namespace Spindle.Ipc;

/// <summary>Receiving into the shared <see cref="ReceiveBuffer"/>: one receive call brings in as many bytes as are waiting.</summary>
public sealed partial class Connection
{
    private readonly ReceiveBuffer _received = new();
    private bool _midMessage;
    private ReadableWatch _watch;

    /// <summary>Raw payloads at least this big go from the socket straight into their destination.</summary>
    private const int DirectReceiveBytes = 64 * 1024;

    /// <summary>
    /// Reads a raw payload (its header already buffered) into <paramref name="destination"/>: what is buffered is copied,
    /// the rest is received in place, so a large message is neither copied twice nor makes the buffer grow.
    /// Returns false if the stream ended inside it.
    /// </summary>
    private bool ReadDirect(int frame, Span<byte> destination)
    {
        int length = frame - HeaderBytes;
        int got = Math.Min(_received.Count - HeaderBytes, length);
        _received.Unread.Slice(HeaderBytes, got).CopyTo(destination);
        _received.Consume(HeaderBytes + got);
        _received.Trim();
        while (got < length)
        {
            int n;
            try
            {
                n = _socket.Receive(destination[got..length], SocketFlags.None);
            }
            catch (SocketException e) when (IsDisconnect(e))
            {
                n = 0;
            }
            catch (SocketException e) when (_disposed != 0)
            {
                throw new ObjectDisposedException(nameof(Connection), e);
            }

            if (n == 0)
            {
                _midMessage = true;
                return false;
            }

            got += n;
        }

        return true;
    }

    private bool Fill(int count)
    {
        _received.MakeRoom(count);
        while (_received.Count < count)
        {
            int n;
            try
            {
                _watch.WaitBriefly(_socket.SafeHandle);
                n = _socket.Receive(_received.Free, SocketFlags.None);
            }
            catch (SocketException e) when (IsDisconnect(e))
            {
                n = 0;
            }
            catch (SocketException e) when (_disposed != 0)
            {
                throw new ObjectDisposedException(nameof(Connection), e);
            }

            if (n == 0)
            {
                return false;
            }

            _received.Received(n);
        }

        return true;
    }

    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        _received.MakeRoom(count);
        while (_received.Count < count)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(_received.FreeMemory, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e) when (IsDisconnect(e))
            {
                n = 0;
            }
            catch (SocketException e) when (_disposed != 0)
            {
                throw new ObjectDisposedException(nameof(Connection), e);
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

using System.Buffers;
using System.Net.Sockets;
using Spindle.Wire;

namespace Spindle.Ipc;

/// <summary>The read buffer: one receive call brings in as many bytes as are waiting, and a frame is parsed in place.</summary>
public sealed partial class Connection
{
    private byte[] _readBuffer = [];
    private int _start;
    private int _end;
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
        int got = Math.Min(_end - _start - HeaderBytes, length);
        _readBuffer.AsSpan(_start + HeaderBytes, got).CopyTo(destination);
        _start += HeaderBytes + got;
        TrimReadBuffer();
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
        MakeRoom(count);
        while (_end - _start < count)
        {
            int n;
            try
            {
                _watch.WaitBriefly(_socket.SafeHandle);
                n = _socket.Receive(_readBuffer.AsSpan(_end), SocketFlags.None);
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

            _end += n;
        }

        return true;
    }

    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        MakeRoom(count);
        while (_end - _start < count)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(_readBuffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
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

            _end += n;
        }

        return true;
    }

    /// <summary>Makes room for <paramref name="count"/> unread bytes from <see cref="_start"/>: compacts, or moves to a bigger buffer.</summary>
    private void MakeRoom(int count)
    {
        if (_end - _start >= count || _readBuffer.Length - _start >= count)
        {
            if (_start == _end)
            {
                _start = _end = 0;
            }

            if (_readBuffer.Length == 0)
            {
                _readBuffer = ArrayPool<byte>.Shared.Rent(Math.Max(count, 4096));
            }

            return;
        }

        byte[] target = _readBuffer.Length >= count ? _readBuffer : ArrayPool<byte>.Shared.Rent(Math.Max(count, 4096));
        Buffer.BlockCopy(_readBuffer, _start, target, 0, _end - _start);
        if (!ReferenceEquals(target, _readBuffer))
        {
            ReturnReadBuffer();
            _readBuffer = target;
        }

        _end -= _start;
        _start = 0;
    }

    /// <summary>Gives back a large buffer once a big message is consumed, so an idle end does not hold megabytes.</summary>
    private void TrimReadBuffer()
    {
        if (_start == _end)
        {
            _start = _end = 0;
            if (_readBuffer.Length > 1 << 20)
            {
                ReturnReadBuffer();
            }
        }
    }

    private void ReturnReadBuffer()
    {
        byte[] buffer = _readBuffer;
        _readBuffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

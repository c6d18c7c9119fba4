using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Spindle.Calls;
using Spindle.Wire;

namespace Spindle.Ipc;

/// <summary>Receiving: buffered reads, so one system call brings in a small message, or several sent back to back.</summary>
public sealed partial class Connection
{
    private bool _endOfStream;
    private string? _receiveBroken;

    /// <summary>Blocks until the next message arrives and returns it as a <typeparamref name="T"/>.</summary>
    /// <exception cref="MessageTypeException">The next message has another type; it stays unread.</exception>
    /// <exception cref="ConnectionClosedException">The other end closed or died; <see cref="ConnectionClosedException.MidMessage"/> says whether inside a message.</exception>
    [RequiresUnreferencedCode(DynamicCode.Values)]
    [RequiresDynamicCode(DynamicCode.Values)]
    public T Receive<T>()
    {
        ThrowIfUnusable(receiving: true);
        _receiveGate.Wait();
        try
        {
            ThrowIfCannotReceive();
            if (!Fill(HeaderBytes))
            {
                throw EndOfStream();
            }

            int frame = CheckHeader(MessageCodec<T>.Tag, typeof(T), out int tag);
            if (typeof(T) == typeof(byte[]) && tag == MessageTags.RawBytes && frame - HeaderBytes >= DirectReceiveBytes)
            {
                byte[] bytes = GC.AllocateUninitializedArray<byte>(frame - HeaderBytes);
                return ReadDirect(frame, bytes) ? (T)(object)bytes : throw EndOfStream();
            }

            return Fill(frame) ? Take<T>(frame, tag) : throw EndOfStream();
        }
        finally
        {
            _receiveGate.Release();
        }
    }

    /// <summary>Waits asynchronously for the next message and returns it as a <typeparamref name="T"/>.</summary>
    /// <exception cref="MessageTypeException">The next message has another type; it stays unread.</exception>
    /// <exception cref="ConnectionClosedException">The other end closed or died.</exception>
    [RequiresUnreferencedCode(DynamicCode.Values)]
    [RequiresDynamicCode(DynamicCode.Values)]
    public async ValueTask<T> ReceiveAsync<T>(CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable(receiving: true);
        await _receiveGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfCannotReceive();
            if (!await FillAsync(HeaderBytes, cancellationToken).ConfigureAwait(false))
            {
                throw EndOfStream();
            }

            int frame = CheckHeader(MessageCodec<T>.Tag, typeof(T), out int tag);
            return await FillAsync(frame, cancellationToken).ConfigureAwait(false) ? Take<T>(frame, tag) : throw EndOfStream();
        }
        finally
        {
            _receiveGate.Release();
        }
    }

    /// <summary>Why the raw-byte receives are safe to trim and compile ahead of time: byte[] never goes through JSON.</summary>
    private const string RawBytes = "A byte[] message is its own bytes (MessageCodec's raw format), never JSON.";

    /// <summary>Receives the next raw message as a new array.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = RawBytes)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = RawBytes)]
    public byte[] ReceiveBytes() => Receive<byte[]>();

    /// <summary>Receives the next raw message asynchronously as a new array.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = RawBytes)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = RawBytes)]
    public ValueTask<byte[]> ReceiveBytesAsync(CancellationToken cancellationToken = default) => ReceiveAsync<byte[]>(cancellationToken);

    /// <summary>Receives the next raw message into <paramref name="destination"/> without allocating; returns its length.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small; the message stays unread.</exception>
    public int ReceiveBytes(Span<byte> destination)
    {
        ThrowIfUnusable(receiving: true);
        _receiveGate.Wait();
        try
        {
            ThrowIfCannotReceive();
            if (!Fill(HeaderBytes))
            {
                throw EndOfStream();
            }

            int frame = CheckHeader(MessageTags.RawBytes, typeof(byte[]), out _);
            CheckDestination(frame, destination.Length);
            if (frame - HeaderBytes >= DirectReceiveBytes)
            {
                return ReadDirect(frame, destination) ? frame - HeaderBytes : throw EndOfStream();
            }

            return Fill(frame) ? CopyOut(frame, destination) : throw EndOfStream();
        }
        finally
        {
            _receiveGate.Release();
        }
    }

    /// <summary>Receives the next raw message asynchronously into <paramref name="destination"/>; returns its length.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small; the message stays unread.</exception>
    public async ValueTask<int> ReceiveBytesAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable(receiving: true);
        await _receiveGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfCannotReceive();
            if (!await FillAsync(HeaderBytes, cancellationToken).ConfigureAwait(false))
            {
                throw EndOfStream();
            }

            int frame = CheckHeader(MessageTags.RawBytes, typeof(byte[]), out _);
            CheckDestination(frame, destination.Length);
            return await FillAsync(frame, cancellationToken).ConfigureAwait(false) ? CopyOut(frame, destination.Span) : throw EndOfStream();
        }
        finally
        {
            _receiveGate.Release();
        }
    }

    /// <summary>Reads messages until the other end closes cleanly; a peer dying mid-message still throws.</summary>
    [RequiresUnreferencedCode(DynamicCode.Values)]
    [RequiresDynamicCode(DynamicCode.Values)]
    public async IAsyncEnumerable<T> ReadAllAsync<T>([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            T item;
            try
            {
                item = await ReceiveAsync<T>(cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionClosedException e) when (!e.MidMessage)
            {
                yield break;
            }

            yield return item;
        }
    }

    private void ThrowIfCannotReceive()
    {
        ThrowIfUnusable(receiving: true);
        if (_receiveBroken is not null)
        {
            throw new InvalidDataException($"{_description} can no longer receive: {_receiveBroken}.");
        }

        if (_endOfStream)
        {
            throw EndOfStream();
        }
    }

    /// <summary>Validates the buffered header and returns the whole frame's size.</summary>
    private int CheckHeader(int expectedTag, Type expected, out int tag)
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(_received.Unread);
        tag = BinaryPrimitives.ReadInt32LittleEndian(_received.Unread[4..]);
        if (length < 4 || length - 4 > _maxMessageBytes)
        {
            _receiveBroken = $"a {length - 4}-byte message exceeded MaxMessageBytes ({_maxMessageBytes})";
            throw new MessageTooLargeException(length - 4, _maxMessageBytes, "ConnectionOptions.MaxMessageBytes (of the receiving end)");
        }

        if (tag != expectedTag && tag != MessageTags.Null)
        {
            throw new MessageTypeException(expected, MessageTags.Describe(tag));
        }

        return 4 + length;
    }

    [RequiresUnreferencedCode(DynamicCode.Values)]
    [RequiresDynamicCode(DynamicCode.Values)]
    private T Take<T>(int frame, int tag)
    {
        ReadOnlySpan<byte> payload = _received.Unread.Slice(HeaderBytes, frame - HeaderBytes);
        try
        {
            return tag == MessageTags.Null ? default! : MessageCodec<T>.Read(payload);
        }
        finally
        {
            // Consumed either way: a message that cannot be decoded must not block the ones behind it.
            _received.Consume(frame);
            _received.Trim();
        }
    }

    private static void CheckDestination(int frame, int length)
    {
        if (frame - HeaderBytes > length)
        {
            throw new ArgumentException($"The next message is {frame - HeaderBytes} bytes but the destination holds {length}; it was left unread.", "destination");
        }
    }

    private int CopyOut(int frame, Span<byte> destination)
    {
        int length = frame - HeaderBytes;
        _received.Unread.Slice(HeaderBytes, length).CopyTo(destination);
        _received.Consume(frame);
        return length;
    }

    private Exception EndOfStream()
    {
        _endOfStream = true;
        if (_disposed != 0)
        {
            // Disposed by another thread while this one waited: that, not the peer, ended the stream.
            return new ObjectDisposedException(nameof(Connection));
        }

        return _midMessage || _received.Count > 0
            ? new ConnectionClosedException($"The other end of {_description} closed in the middle of a message ({_received.Count} bytes of it arrived): it exited or was killed while sending.", midMessage: true)
            : Closed();
    }

    private readonly ReceiveBuffer _received = new();
    private bool _midMessage;
    private ReadableWatch _watch;

    // Watched with poll instead of FIONREAD (see Native.Readable).
    private bool IsTcp => _socket.ProtocolType == ProtocolType.Tcp;

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
                n = Interop.Native.StreamReceive(_socket.SafeHandle, destination[got..length], _socket);
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
                if (IsTcp)
                {
                    _watch.WaitBriefly(static s => Interop.Native.Readable(s), _socket.SafeHandle);
                }
                else
                {
                    _watch.WaitBriefly(_socket.SafeHandle);
                }

                n = Interop.Native.StreamReceive(_socket.SafeHandle, _received.Free, _socket);
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

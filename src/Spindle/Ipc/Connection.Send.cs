using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using Spindle.Calls;

namespace Spindle.Ipc;

/// <summary>Sending: a message is encoded into one reusable buffer and written with one system call.</summary>
public sealed partial class Connection
{
    // Raw payloads at least this big are written straight from the caller's memory after the header, not copied first.
    private const int DirectSendBytes = 64 * 1024;

    private string? _sendBroken;

    /// <summary>Sends one message of type <typeparamref name="T"/>; blocks while the other end's buffer is full.</summary>
    /// <exception cref="MessageTooLargeException">The encoded message is larger than <see cref="MaxMessageBytes"/>.</exception>
    /// <exception cref="ConnectionClosedException">The other end is closed.</exception>
    [RequiresUnreferencedCode(DynamicCode.Values)]
    [RequiresDynamicCode(DynamicCode.Values)]
    public void Send<T>(T value)
    {
        ThrowIfUnusable(receiving: false);
        _sendGate.Wait();
        try
        {
            ThrowIfCannotSend();
            Encode(value);
            WriteAll(_sendBuffer.WrittenSpan);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Sends one message of type <typeparamref name="T"/>, waiting asynchronously while the other end's buffer is full.</summary>
    /// <remarks>
    /// Cancelled before any of the message went out, the connection stays whole; cancelled after part of it did (a large
    /// message waiting for room), the stream holds half a message, so the connection can no longer send
    /// (<see cref="InvalidOperationException"/> from then on) and should be closed.
    /// </remarks>
    /// <exception cref="MessageTooLargeException">The encoded message is larger than <see cref="MaxMessageBytes"/>.</exception>
    /// <exception cref="ConnectionClosedException">The other end is closed.</exception>
    [RequiresUnreferencedCode(DynamicCode.Values)]
    [RequiresDynamicCode(DynamicCode.Values)]
    public async ValueTask SendAsync<T>(T value, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable(receiving: false);
        await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfCannotSend();
            Encode(value);
            await WriteAllAsync(_sendBuffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Sends <paramref name="data"/> as one raw message (received with <see cref="ReceiveBytes()"/> or as <c>byte[]</c>).</summary>
    /// <exception cref="MessageTooLargeException"><paramref name="data"/> is larger than <see cref="MaxMessageBytes"/>.</exception>
    public void SendBytes(ReadOnlySpan<byte> data)
    {
        ThrowIfUnusable(receiving: false);
        CheckSize(data.Length);
        _sendGate.Wait();
        try
        {
            ThrowIfCannotSend();
            if (data.Length >= DirectSendBytes)
            {
                Span<byte> header = stackalloc byte[HeaderBytes];
                WriteHeader(header, data.Length, MessageTags.RawBytes);
                WriteAll(header);
                WriteAll(data);
            }
            else
            {
                EncodeRaw(data);
                WriteAll(_sendBuffer.WrittenSpan);
            }
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Sends <paramref name="data"/> as one raw message, waiting asynchronously while the other end's buffer is full.</summary>
    /// <exception cref="MessageTooLargeException"><paramref name="data"/> is larger than <see cref="MaxMessageBytes"/>.</exception>
    public async ValueTask SendBytesAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable(receiving: false);
        CheckSize(data.Length);
        await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfCannotSend();
            if (data.Length >= DirectSendBytes)
            {
                byte[] header = new byte[HeaderBytes];
                WriteHeader(header, data.Length, MessageTags.RawBytes);
                await WriteAllAsync(header, cancellationToken).ConfigureAwait(false);

                // The header is out: from here, a cancellation leaves half a message on the stream.
                await WriteAllAsync(data, cancellationToken, messageStarted: true).ConfigureAwait(false);
            }
            else
            {
                EncodeRaw(data.Span);
                await WriteAllAsync(_sendBuffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendGate.Release();
        }
    }

    private static void WriteHeader(Span<byte> header, int payloadBytes, int tag)
    {
        BinaryPrimitives.WriteInt32LittleEndian(header, payloadBytes + 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], tag);
    }

    [RequiresUnreferencedCode(DynamicCode.Values)]
    [RequiresDynamicCode(DynamicCode.Values)]
    private void Encode<T>(T value)
    {
        _sendBuffer.Reset();
        int start = _sendBuffer.BeginLength();
        if (value is null)
        {
            _sendBuffer.WriteInt32(MessageTags.Null);
        }
        else
        {
            _sendBuffer.WriteInt32(MessageCodec<T>.Tag);
            MessageCodec<T>.Write(_sendBuffer, value, ref _json);
        }

        _sendBuffer.EndLength(start);
        CheckSize(_sendBuffer.Length - HeaderBytes);
    }

    private void EncodeRaw(ReadOnlySpan<byte> data)
    {
        _sendBuffer.Reset();
        int start = _sendBuffer.BeginLength();
        _sendBuffer.WriteInt32(MessageTags.RawBytes);
        data.CopyTo(_sendBuffer.GetSpan(data.Length));
        _sendBuffer.Advance(data.Length);
        _sendBuffer.EndLength(start);
    }

    private void CheckSize(int payloadBytes)
    {
        if (payloadBytes > _maxMessageBytes)
        {
            throw new MessageTooLargeException(payloadBytes, _maxMessageBytes, "ConnectionOptions.MaxMessageBytes");
        }
    }

    private void ThrowIfCannotSend()
    {
        ThrowIfUnusable(receiving: false);
        if (_sendBroken is not null)
        {
            throw new InvalidOperationException($"{_description} can no longer send: {_sendBroken}.");
        }
    }

    private void WriteAll(ReadOnlySpan<byte> bytes)
    {
        try
        {
            while (!bytes.IsEmpty)
            {
                // A plain send(2) (see Native.StreamSend): at 64-byte messages the managed Socket.Send's own work is a
                // tenth of each message's cost.
                bytes = bytes[Interop.Native.StreamSend(_socket.SafeHandle, bytes, _socket)..];
            }
        }
        catch (SocketException e) when (IsDisconnect(e))
        {
            _sendBroken = "the other end closed";
            throw Closed(e);
        }
        catch (SocketException e) when (_disposed != 0)
        {
            throw new ObjectDisposedException(nameof(Connection), e);
        }
    }

    /// <remarks>
    /// A cancellable send first sends one byte alone: a send cancelled while it waits for room may already have written
    /// part of its buffer, and the socket does not say how much. One byte is either written or not, so a send
    /// cancelled before its message began leaves the stream whole (the connection can send again), and one cancelled
    /// after marks the connection unable to send (the stream holds part of a message).
    /// </remarks>
    private async ValueTask WriteAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken, bool messageStarted = false)
    {
        bool started = messageStarted;
        try
        {
            if (!started && cancellationToken.CanBeCanceled && bytes.Length > 1)
            {
                await _socket.SendAsync(bytes[..1], SocketFlags.None, cancellationToken).ConfigureAwait(false);
                started = true;
                bytes = bytes[1..];
            }

            while (!bytes.IsEmpty)
            {
                // Not started yet here only for a token that cannot be cancelled, or a single byte: neither can be
                // cancelled half-way.
                int sent = await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                started = true;
                bytes = bytes[sent..];
            }
        }
        catch (OperationCanceledException) when (started)
        {
            // Part of the frame is out: the stream cannot carry another message.
            _sendBroken = "a send was cancelled after part of its message had been written";
            throw;
        }
        catch (SocketException e) when (IsDisconnect(e))
        {
            _sendBroken = "the other end closed";
            throw Closed(e);
        }
        catch (SocketException e) when (_disposed != 0)
        {
            throw new ObjectDisposedException(nameof(Connection), e);
        }
    }

    private static bool IsDisconnect(SocketException e) =>
        e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted or SocketError.NotConnected;
}

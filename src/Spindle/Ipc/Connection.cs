using System.Buffers;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using Spindle.Shared;
using Spindle.Wire;

namespace Spindle.Ipc;

/// <summary>
/// One end of a message stream: a <see cref="Pipe"/> end, or a connection made by <see cref="Listener"/> or
/// <see cref="Client"/>. Messages are typed (<see cref="Send{T}"/>, <see cref="Receive{T}"/>) or raw bytes; each is
/// one frame <c>[length][type tag][bytes]</c>, written with one system call and read with one or fewer.
/// </summary>
/// <remarks>
/// Passed to a worker as an argument or captured variable, an end moves there (see <see cref="Transfer"/>).
/// Send and receive are each safe to call from several threads (one message at a time goes through). When the other
/// end closes or its process dies, receiving throws <see cref="ConnectionClosedException"/> instead of waiting.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed partial class Connection : IDisposable, IAsyncDisposable, ISharedReference<Connection>
{
    /// <summary>The frame header: the length of what follows (tag and payload), then the type tag.</summary>
    internal const int HeaderBytes = 8;

    private readonly Socket _socket;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly SemaphoreSlim _receiveGate = new(1, 1);
    private readonly WireWriter _sendBuffer = new(4096);
    private readonly int _maxMessageBytes;
    private readonly string _description;
    private Utf8JsonWriter? _json;
    private string? _transferredTo;
    private int _disposed;

    internal Connection(Socket socket, ConnectionOptions options, string description, bool canSend = true, bool canReceive = true)
    {
        _socket = socket;
        _maxMessageBytes = options.MaxMessageBytes;
        _description = description;
        CanSend = canSend;
        CanReceive = canReceive;
    }

    /// <summary>Whether this end may send (false for the reading end of a one-way pipe).</summary>
    public bool CanSend { get; }

    /// <summary>Whether this end may receive (false for the writing end of a one-way pipe).</summary>
    public bool CanReceive { get; }

    /// <summary>The largest message this end sends or accepts, from <see cref="ConnectionOptions.MaxMessageBytes"/>.</summary>
    public int MaxMessageBytes => _maxMessageBytes;

    internal Socket Socket => _socket;

    string ISharedReference.Reference => _transferredTo ?? Transfer();

    /// <summary>
    /// Hands this end to another process: returns a name that <see cref="Open"/> redeems once, in any process of the
    /// same user. From then on this object cannot be used here, and this process keeps no copy of the end, so the
    /// other end sees end-of-stream when the new owner closes it or dies.
    /// </summary>
    /// <exception cref="InvalidOperationException">Unread bytes are buffered here, or the end was already handed over.</exception>
    public string Transfer()
    {
        ThrowIfUnusable();
        _receiveGate.Wait();
        _sendGate.Wait();
        try
        {
            ThrowIfUnusable();
            if (_received.Count > 0)
            {
                throw new InvalidOperationException("This end has part of a message buffered; receive it before transferring the end to another process.");
            }

            string name = EndHandover.Offer(_socket, _maxMessageBytes, CanSend, CanReceive);
            _transferredTo = name;
            return name;
        }
        finally
        {
            _sendGate.Release();
            _receiveGate.Release();
        }
    }

    /// <summary>Opens an end another process handed over with <see cref="Transfer"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a name <see cref="Transfer"/> makes.</exception>
    /// <exception cref="FileNotFoundException">No end with that name is waiting: already opened, or its owner exited.</exception>
    public static Connection Open(string name) => EndHandover.Open(name);

    static Connection ISharedReference<Connection>.OpenReference(string reference) => Open(reference);

    /// <summary>Whether a message (or end-of-stream) can be received within <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: no limit).</summary>
    public bool Poll(TimeSpan timeout)
    {
        ThrowIfUnusable(receiving: true);
        if (_received.Count > 0)
        {
            return true;
        }

        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return _socket.Poll(-1, SelectMode.SelectRead);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero, nameof(timeout));

        // The socket counts a wait in microseconds in an int (about 35 minutes): a longer one is waited in slices.
        while (timeout > PollSlice)
        {
            if (_socket.Poll(PollSlice, SelectMode.SelectRead))
            {
                return true;
            }

            timeout -= PollSlice;
        }

        return _socket.Poll(timeout, SelectMode.SelectRead);
    }

    /// <summary>The longest one wait of the socket's poll (its limit is int.MaxValue microseconds).</summary>
    private static readonly TimeSpan PollSlice = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Closes this end; the other end sees end-of-stream once it has read what was sent. For an end handed over with
    /// <see cref="Transfer"/> that no process has opened yet, this withdraws the offer and closes it.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_transferredTo is not null)
        {
            // Handed over: if no process has opened it yet, nobody ever will, so close it and let the peer see the end.
            EndHandover.Revoke(_transferredTo);
        }
        else
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // The peer is already gone: nothing left to tell it.
            }

            _socket.Dispose();
        }

        // A thread still blocked in a send or receive wakes with ObjectDisposedException; its buffer is left to the GC.
        if (_sendGate.Wait(0))
        {
            _sendBuffer.Dispose();
            _json?.Dispose();
        }

        if (_receiveGate.Wait(0))
        {
            _received.Return();
        }
    }

    /// <summary>Closes this end (see <see cref="Dispose"/>).</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => _description;

    private void ThrowIfUnusable(bool? receiving = null)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_transferredTo is not null)
        {
            throw new InvalidOperationException($"This end was transferred to another process (as '{_transferredTo}') and cannot be used here.");
        }

        if (receiving == true && !CanReceive)
        {
            throw new InvalidOperationException("This is the sending end of a one-way pipe: it cannot receive.");
        }

        if (receiving == false && !CanSend)
        {
            throw new InvalidOperationException("This is the receiving end of a one-way pipe: it cannot send.");
        }
    }

    private ConnectionClosedException Closed(Exception? inner = null) =>
        new($"The other end of {_description} closed or its process exited.", midMessage: false, inner);
}

using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Threading.Channels;
using Spindle.Interop;

namespace Spindle.Ipc;

/// <summary>
/// A <see cref="Listener"/>'s background thread: accepts connections, runs all their handshakes at once, and hands the
/// authenticated ones to <see cref="Listener.AcceptAsync"/> in the order they finished.
/// </summary>
/// <remarks>
/// <code>
///  peers ──connect──▶ listening socket ──accept, one per turn──▶ pending handshakes, oldest first
///                     (backlog: waits here                        (at most MaxPendingHandshakes; one more
///                      while the table is full                     pushes the oldest out once it has had
///                      of young handshakes)                        its grace)
///                                                                    │ poll(2) on all of them at once
///       wrong key, garbage, gone, past HandshakeTimeout, pushed out  │
///       ◀── closed, counted in RejectedConnections ──────────────────┤
///                                                                    ▼ authenticated
///                                             Channel&lt;Connection&gt; (unbounded: only key holders get in)
///                                                                    ▼
///                                                        Accept / AcceptAsync
/// </code>
/// One thread owns every pending socket, so dropping one needs no lock, and a silent peer costs a slot in a poll
/// set, not a blocked thread. Stopping has its own signal, a socket pair whose far end <see cref="Dispose"/> closes.
/// <para>
/// Why the oldest, and why a grace: a real client answers within a round trip, so the handshake that has waited
/// longest is the likeliest to be silent, and a newcomer (perhaps the real client) always gets a turn. Without a
/// grace, a flood that reconnects as fast as it is dropped would push a real client out before its answer arrives;
/// with it, every accepted connection has at least <see cref="Grace"/> to answer, a burst of real clients larger than
/// the table waits in the backlog instead of pushing each other out, and a flood gets through at most
/// MaxPendingHandshakes / <see cref="Grace"/> connections a second.
/// </para>
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed class AcceptLoop : IDisposable
{
    /// <summary>How long to leave the listening socket alone after accept fails (out of descriptors, say), so the loop does not spin on it.</summary>
    private static readonly TimeSpan AcceptPause = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a pending handshake is safe from being pushed out by newer connections (its whole HandshakeTimeout, if shorter).</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(250);

    private readonly Socket _listening;
    private readonly byte[] _key;
    private readonly ConnectionOptions _options;
    private readonly TimeSpan _handshakeTimeout;
    private readonly int _maxPending;
    private readonly long _graceTicks;
    private readonly string _address;
    private readonly Socket _wakeReader;
    private readonly Socket _wakeWriter;
    private readonly Channel<Connection> _authenticated = Channel.CreateUnbounded<Connection>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly List<ListenerHandshake> _pending = [];
    private readonly List<Socket> _ready = [];
    private readonly Thread _thread;
    private long _acceptPausedUntil;
    private long _rejected;
    private volatile bool _stopping;

    /// <summary>Starts the loop on <paramref name="listening"/>, a bound, listening socket it owns from now on.</summary>
    public AcceptLoop(Socket listening, byte[] key, ConnectionOptions options, string address)
    {
        _listening = listening;
        _key = key;
        _options = options;
        _handshakeTimeout = options.HandshakeTimeout;
        _maxPending = options.MaxPendingHandshakes;
        _graceTicks = ToTicks(Grace < _handshakeTimeout ? Grace : _handshakeTimeout);
        _address = address;
        (_wakeReader, _wakeWriter) = Native.CreateSocketPair();
        _thread = new Thread(Run) { IsBackground = true, Name = "Spindle listener" };
        _thread.Start();
    }

    /// <summary>Authenticated connections, oldest first; completed (after the last one) when the loop stops.</summary>
    public ChannelReader<Connection> Authenticated => _authenticated.Reader;

    public long RejectedConnections => Interlocked.Read(ref _rejected);

    /// <summary>Stops the loop and closes the listening socket, every pending handshake and every connection nobody accepted.</summary>
    public void Dispose()
    {
        _stopping = true;
        _wakeWriter.Dispose();

        // Closing also unblocks an accept() whose readiness went stale (accept(2) allows that): .NET shuts a socket
        // down when it is closed under a blocked call.
        _listening.Dispose();
        _thread.Join(StopTimeout);
        _wakeReader.Dispose();
    }

    private void Run()
    {
        Exception? failure = null;
        try
        {
            while (WaitForWork())
            {
                AdvanceReadyHandshakes();
                DropExpiredHandshakes();
                if (_ready.Contains(_listening))
                {
                    AcceptOne();
                }
            }
        }
        catch (Exception e) when (_stopping && e is ObjectDisposedException or SocketException)
        {
            // Dispose closed a socket under the poll or the accept: the stop it asked for.
        }
        catch (Exception e)
        {
            // Not expected. AcceptAsync reports it rather than waiting forever on a loop that is gone, and nothing
            // escapes this thread (an exception that did would end the process).
            failure = e;
        }
        finally
        {
            foreach (ListenerHandshake handshake in _pending)
            {
                handshake.Socket.Dispose();
            }

            _pending.Clear();
            _authenticated.Writer.TryComplete(failure);
            if (_stopping)
            {
                while (_authenticated.Reader.TryRead(out Connection? unaccepted))
                {
                    unaccepted.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// Waits for the stop signal, a new connection (when there is room for it), bytes on a pending handshake, the
    /// oldest handshake's deadline or the end of its grace, and leaves the sockets that are ready in
    /// <see cref="_ready"/>. False when the loop should stop.
    /// </summary>
    private bool WaitForWork()
    {
        if (_stopping)
        {
            return false;
        }

        _ready.Clear();
        _ready.Add(_wakeReader);
        long? until = _pending.Count > 0 ? _pending[0].Deadline : null;
        long acceptFrom = Math.Max(_acceptPausedUntil, _pending.Count >= _maxPending ? _pending[0].Started + _graceTicks : 0);
        if (Stopwatch.GetTimestamp() >= acceptFrom)
        {
            _ready.Add(_listening);
        }
        else
        {
            until = Math.Min(until ?? long.MaxValue, acceptFrom);
        }

        foreach (ListenerHandshake handshake in _pending)
        {
            _ready.Add(handshake.Socket);
        }

        Socket.Select(_ready, null, null, PollMicroseconds(until));
        return !_stopping && !_ready.Contains(_wakeReader);
    }

    private void AdvanceReadyHandshakes()
    {
        for (int i = 0; i < _pending.Count;)
        {
            ListenerHandshake handshake = _pending[i];
            HandshakeStep step = _ready.Contains(handshake.Socket) ? handshake.Advance() : HandshakeStep.Pending;
            if (step == HandshakeStep.Pending)
            {
                i++;
                continue;
            }

            _pending.RemoveAt(i);
            if (step == HandshakeStep.Authenticated)
            {
                _authenticated.Writer.TryWrite(new Connection(handshake.Socket, _options, $"a connection accepted on {_address}"));
            }
            else
            {
                Reject(handshake.Socket);
            }
        }
    }

    /// <summary>Deadlines follow accept order (one timeout for all), so the overdue handshakes are at the front.</summary>
    private void DropExpiredHandshakes()
    {
        long now = Stopwatch.GetTimestamp();
        while (_pending.Count > 0 && _pending[0].Deadline <= now)
        {
            DropOldest();
        }
    }

    private void AcceptOne()
    {
        Socket socket;
        try
        {
            socket = _listening.Accept();
        }
        catch (SocketException)
        {
            // Out of descriptors or buffers, or a connection that died in the queue: the listening socket may stay
            // readable, so look away from it for a moment instead of spinning on it.
            _acceptPausedUntil = Stopwatch.GetTimestamp() + ToTicks(AcceptPause);
            return;
        }

        if (_pending.Count >= _maxPending)
        {
            // The oldest, past its grace (the listening socket is not polled before that): see the remarks.
            DropOldest();
        }

        try
        {
            if (socket.AddressFamily != AddressFamily.Unix)
            {
                socket.NoDelay = true;
            }

            var handshake = new ListenerHandshake(socket, _key, _handshakeTimeout);
            if (handshake.Open())
            {
                _pending.Add(handshake);
                return;
            }
        }
        catch (SocketException)
        {
            // Reset before we could greet it: refused like any other.
        }

        Reject(socket);
    }

    private void DropOldest()
    {
        Reject(_pending[0].Socket);
        _pending.RemoveAt(0);
    }

    private void Reject(Socket socket)
    {
        Interlocked.Increment(ref _rejected);
        socket.Dispose();
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// The poll timeout until <paramref name="until"/> (a <see cref="Stopwatch"/> timestamp; null waits without
    /// limit), rounded up to whole milliseconds so the loop does not spin just short of a deadline.
    /// </summary>
    private static int PollMicroseconds(long? until)
    {
        if (until is null)
        {
            return -1;
        }

        long ticks = until.Value - Stopwatch.GetTimestamp();
        if (ticks <= 0)
        {
            return 0;
        }

        // A far deadline (HandshakeTimeout may be a day) is waited for in steps of half an hour at most.
        double milliseconds = Math.Ceiling(ticks * 1000.0 / Stopwatch.Frequency);
        return (int)Math.Min(milliseconds * 1000, 1_800_000_000);
    }
}

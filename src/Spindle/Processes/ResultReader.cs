using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Spindle.Wire;

namespace Spindle.Processes;

/// <summary>Receives one frame's payload on the reader thread; the span is valid only during the call.</summary>
internal delegate void FrameHandler(ReadOnlySpan<byte> payload);

/// <summary>
/// The thread that reads one worker process's results (blocking reads: a result is handled the moment it arrives,
/// with no async hop), and the one trick it plays, which lives here and nowhere else.
/// </summary>
/// <remarks>
/// <para>
/// The trick: when a burst of results ends, <c>onBurstEnd</c> may hand back the completion of a lone call (the only
/// one out, nothing queued), and this thread runs it right here, so the caller's continuation runs at once instead of
/// waiting for a thread-pool thread to wake (2-4 µs of a 12 µs round trip on a small VM). That code is the caller's
/// and may block, even on another call's result that only this reader could read; so a watchdog looks every 2 ms while
/// readers run callers' code, and gives the reading to a new thread when one has been away that long. The old thread
/// leaves when the caller's code returns. Each thread that takes over gets the next generation, kept with the reader's
/// state in one word, so a replaced thread can never mistake its successor's state for its own.
/// </para>
/// <para>
/// A reader thread never blocks on a send (the peer may be blocked sending to it): calls posted while it reads leave in
/// one non-blocking flush at the end of the burst; see <see cref="FrameOutbox"/>.
/// </para>
/// </remarks>
internal sealed class ResultReader
{
    [ThreadStatic]
    private static bool t_isReader;

    private const int Reading = 0;
    private const int RunningCallersCode = 1;
    private const int HandedOver = 2;
    private const int StateMask = 3;

    private readonly FrameSocket _data;
    private readonly FrameOutbox _outbox;
    private readonly int _processId;
    private readonly FrameHandler _onResult;
    private readonly Func<Action?>? _onBurstEnd;
    private readonly Action<bool, string?> _onEnded;
    private readonly FrameHandler? _onSpans;
    private readonly FrameHandler? _onFill;
    private int _readerThreadId;
    private int _reader;
    private long _callersCodeSince;

    /// <summary>
    /// A reader for <paramref name="data"/>: <paramref name="onResult"/> for each result, <paramref name="onBurstEnd"/>
    /// after the last of those that arrived together, <paramref name="onEnded"/> once when the stream ends: whether it
    /// ended cleanly (the worker closed it or died), and the protocol error if the worker broke the protocol;
    /// <paramref name="onSpans"/> for the spans a traced call's result is preceded by; <paramref name="onFill"/> for a
    /// worker asking for a large argument to be copied into it (<see cref="CrossMemory.WorkerCrossMemory"/>).
    /// </summary>
    public ResultReader(FrameSocket data, FrameOutbox outbox, int processId, FrameHandler onResult, Func<Action?>? onBurstEnd, Action<bool, string?> onEnded, FrameHandler? onSpans = null, FrameHandler? onFill = null)
    {
        _onSpans = onSpans;
        _onFill = onFill;
        _data = data;
        _outbox = outbox;
        _processId = processId;
        _onResult = onResult;
        _onBurstEnd = onBurstEnd;
        _onEnded = onEnded;
    }

    /// <summary>Whether the current thread is any worker's reader (which must never block on a send).</summary>
    public static bool OnAnyReader => t_isReader;

    /// <summary>Whether the current thread is this worker's reader, reading (frames posted here leave at the end of the burst).</summary>
    public bool ReadingHere =>
        Environment.CurrentManagedThreadId == Volatile.Read(ref _readerThreadId) && (Volatile.Read(ref _reader) & StateMask) == Reading;

    public void Start()
    {
        int generation = (Volatile.Read(ref _reader) >> 2) + 1;
        var reader = new Thread(g => ReadLoop((int)g!)) { IsBackground = true, Name = $"Spindle worker {_processId} reader" };
        Volatile.Write(ref _readerThreadId, reader.ManagedThreadId);
        Volatile.Write(ref _reader, (generation << 2) | Reading);
        reader.Start(generation);
    }

    /// <summary>Stops watching this reader (its worker is gone).</summary>
    public void Forget() => Watchdog.Forget(this);

    /// <summary>If callers' code has held this reader since before <paramref name="now"/> minus the limit, a new thread takes over.</summary>
    private void TakeOverIfStuck(long now)
    {
        int current = Volatile.Read(ref _reader);
        if ((current & StateMask) == RunningCallersCode
            && now - Volatile.Read(ref _callersCodeSince) > Watchdog.StuckTicks
            && Interlocked.CompareExchange(ref _reader, (current & ~StateMask) | HandedOver, current) == current)
        {
            Start();
        }
    }

    /// <summary>Runs callers' code on this thread; false if another thread took over the reading meanwhile.</summary>
    private bool RunCallersCode(int generation, Action callersCode)
    {
        Volatile.Write(ref _callersCodeSince, Stopwatch.GetTimestamp());
        Volatile.Write(ref _reader, (generation << 2) | RunningCallersCode);
        Watchdog.Watch(this);
        callersCode();
        int running = (generation << 2) | RunningCallersCode;
        return Interlocked.CompareExchange(ref _reader, (generation << 2) | Reading, running) == running;
    }

    private void ReadLoop(int generation)
    {
        t_isReader = true;

        // Taking over from a reader stuck in callers' code: send whatever it posted.
        _outbox.Flush(mayBlock: false);
        string? protocolError = null;
        bool clean = false;
        try
        {
            while (_data.ReceiveFrame(out FrameKind kind, out ReadOnlySpan<byte> payload))
            {
                if (kind == FrameKind.Spans && _onSpans is not null)
                {
                    // A traced call's spans; its result follows at once.
                    _onSpans(payload);
                    continue;
                }

                if (kind == FrameKind.FillArgument && _onFill is not null)
                {
                    // The worker is decoding a call and waits for an argument to be copied into it.
                    _onFill(payload);
                    continue;
                }

                if (kind != FrameKind.Result)
                {
                    throw new InvalidDataException($"Worker {_processId} sent a {kind} frame where a result was expected.");
                }

                _onResult(payload);
                if (!_data.HasBufferedFrame)
                {
                    // The end of what arrived together: the calls posted meanwhile leave in one send, then the results are handed on.
                    _outbox.Flush(mayBlock: false);
                    _data.TrimReadBuffer();
                    if (_onBurstEnd?.Invoke() is { } callersCode)
                    {
                        if (!RunCallersCode(generation, callersCode))
                        {
                            // Another thread reads now (and reports the end); what this one posts is flushed as it posts.
                            return;
                        }

                        _outbox.Flush(mayBlock: false);
                    }
                }
            }

            clean = true;
        }
        catch (InvalidDataException e)
        {
            protocolError = e.Message;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A broken connection ends the stream like a closed one.
        }

        _onEnded(clean, protocolError);
    }

    /// <summary>
    /// Keeps reader threads free to read: looks every 2 ms while readers run callers' code, and sleeps for good once no
    /// reader has run callers' code for 100 ms.
    /// </summary>
    private static class Watchdog
    {
        /// <summary>How long a reader may run callers' code before another thread takes over its reading: 2 ms.</summary>
        public static readonly long StuckTicks = Stopwatch.Frequency / 500;

        private static readonly long IdleTicks = Stopwatch.Frequency / 10;
        private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(2);
        private static readonly ConcurrentDictionary<ResultReader, byte> Watched = new();
        private static readonly SemaphoreSlim Wake = new(0);
        private static long _lastUse;
        private static int _active;
        private static int _started;

        /// <summary>Called by a reader about to run callers' code: makes sure someone is watching.</summary>
        public static void Watch(ResultReader reader)
        {
            // A full fence between this store and the load of _active below, as between the watchdog's store of _active
            // and its load of _lastUse: otherwise both loads could see the old values, and the watchdog would sleep for
            // good while this reader believes it is watched.
            Interlocked.Exchange(ref _lastUse, Stopwatch.GetTimestamp());
            if (!Watched.ContainsKey(reader))
            {
                Watched.TryAdd(reader, 0);
            }

            if (Volatile.Read(ref _active) == 0 && Interlocked.Exchange(ref _active, 1) == 0)
            {
                if (Interlocked.Exchange(ref _started, 1) == 0)
                {
                    new Thread(Run) { IsBackground = true, Name = "Spindle reader watchdog" }.Start();
                }
                else
                {
                    Wake.Release();
                }
            }
        }

        public static void Forget(ResultReader reader) => Watched.TryRemove(reader, out _);

        private static void Run()
        {
            while (true)
            {
                Wake.Wait(Period);
                long now = Stopwatch.GetTimestamp();
                foreach (ResultReader reader in Watched.Keys)
                {
                    reader.TakeOverIfStuck(now);
                }

                if (now - Volatile.Read(ref _lastUse) > IdleTicks)
                {
                    // Nobody has run callers' code for a while: sleep until someone does. Look once more after standing
                    // down, in case a reader arrived in between (it saw this watchdog still active and did not wake it).
                    Interlocked.Exchange(ref _active, 0);
                    if (Stopwatch.GetTimestamp() - Volatile.Read(ref _lastUse) > IdleTicks || Interlocked.Exchange(ref _active, 1) == 1)
                    {
                        Wake.Wait();
                    }
                }
            }
        }
    }
}

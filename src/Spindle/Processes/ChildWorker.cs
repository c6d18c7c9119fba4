using System.Diagnostics;
using System.Net.Sockets;
using Spindle.Wire;

namespace Spindle.Processes;

/// <summary>Receives one frame's payload on the reader thread; the span is valid only during the call.</summary>
internal delegate void FrameHandler(ReadOnlySpan<byte> payload);

/// <summary>
/// The parent's handle on one worker process: the process, its two connections, a dedicated reader thread
/// (blocking reads: results are handled the moment they arrive, with no async hop) and its stderr.
/// Whatever way the worker ends — closed, crashed, killed — <see cref="Exited"/> completes once, with the cause.
/// </summary>
internal sealed class ChildWorker : IDisposable
{
    private static long _nextWorkerId;

    [ThreadStatic]
    private static bool t_isReader;

    private readonly Process _process;
    private readonly FrameSocket _data;
    private readonly FrameSocket _control;
    private readonly FrameOutbox _outbox;
    private readonly StderrTail _stderr;
    private readonly TaskCompletionSource<WorkerExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FrameHandler? _onResult;
    private Func<Action?>? _onBurstEnd;
    private int _readerThreadId;
    // The reader's generation (each thread that takes over the reading gets the next) and its state, in one word so
    // a stale reader can never mistake a newer reader's state for its own.
    private int _reader;
    private long _callersCodeSince;

    private const int Reading = 0;
    private const int RunningCallersCode = 1;
    private const int HandedOver = 2;
    private const int StateMask = 3;
    private string? _protocolError;
    private Action<WorkerExit>? _onExit;

    private ChildWorker(Process process, Socket data, Socket control, StderrTail stderr, int maxMessageBytes)
    {
        _process = process;
        _stderr = stderr;
        _data = new FrameSocket(data, maxMessageBytes);
        _outbox = new FrameOutbox(data);

        _control = new FrameSocket(control, Frame.MaxHelloBytes);
        ProcessId = process.Id;
    }

    public int ProcessId { get; }

    /// <summary>Completes when the worker process has ended, however it ended.</summary>
    public Task<WorkerExit> Exited => _exited.Task;

    /// <summary>True once <see cref="Close"/> or <see cref="Kill"/> asked the worker to go.</summary>
    public bool Stopping { get; private set; }

    /// <summary>Starts a worker process and waits until it has connected and proven itself.</summary>
    public static async Task<ChildWorker> StartAsync(ChannelListener listener, ChildWorkerSettings settings, CancellationToken cancellationToken, Action<int>? onLaunched = null)
    {
        long workerId = Interlocked.Increment(ref _nextWorkerId);
        Task<(Socket Data, Socket Control)> connected = listener.Expect(workerId);
        var environment = new WorkerEnvironment(listener.SocketPath, listener.TokenHex, workerId, Environment.ProcessId,
            settings.SerializerType, settings.MaxMessageBytes, settings.OneShot, settings.MemoryLimit);
        Process? process = null;
        var stderr = new StderrTail();
        try
        {
            process = await WorkerLauncher.StartAsync(environment).ConfigureAwait(false);
            onLaunched?.Invoke(process.Id);
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    stderr.Add(e.Data);
                }
            };
            process.BeginErrorReadLine();

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.StartTimeout);
            Task exited = process.WaitForExitAsync(timeout.Token);
            Task first = await Task.WhenAny(connected, exited).ConfigureAwait(false);
            if (first == connected && connected.IsCompletedSuccessfully)
            {
                (Socket data, Socket control) = connected.Result;
                var worker = new ChildWorker(process, data, control, stderr, settings.MaxMessageBytes);
                process = null;
                return worker;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                throw new WorkerStartException(
                    $"Worker process {process.Id} exited with code {process.ExitCode} before it connected. Started as: {WorkerLauncher.Describe()}",
                    process.ExitCode, stderr.ToString());
            }

            throw new WorkerStartException(
                $"Worker process {process.Id} did not connect within {settings.StartTimeout.TotalSeconds:0.#} s (WorkerStartTimeout). Started as: {WorkerLauncher.Describe()}",
                null, stderr.ToString());
        }
        finally
        {
            listener.Forget(workerId);
            if (process is not null)
            {
                KillQuietly(process);
                process.Dispose();
            }
        }
    }

    /// <summary>
    /// Starts the reader thread; results and the exit are reported through the handlers from then on.
    /// <paramref name="onBurstEnd"/> runs after the last of the results that arrived together; what it returns (the
    /// completion of a lone call) runs right there on the reader, watched by <see cref="ReaderWatchdog"/>.
    /// </summary>
    public void Run(FrameHandler onResult, Action<WorkerExit> onExit, Func<Action?>? onBurstEnd = null)
    {
        _onResult = onResult;
        _onBurstEnd = onBurstEnd;
        _onExit = onExit;
        StartReader();
    }

    /// <summary>
    /// Called by the watchdog: if the reader has been running callers' code since before <paramref name="now"/> minus
    /// <see cref="ReaderWatchdog.StuckTicks"/>, a new thread takes over the reading; the old one leaves when it returns.
    /// </summary>
    public void TakeOverReadingIfStuck(long now)
    {
        int current = Volatile.Read(ref _reader);
        if ((current & StateMask) == RunningCallersCode
            && now - Volatile.Read(ref _callersCodeSince) > ReaderWatchdog.StuckTicks
            && Interlocked.CompareExchange(ref _reader, (current & ~StateMask) | HandedOver, current) == current)
        {
            StartReader();
        }
    }


    /// <summary>
    /// Queues a call frame behind those already posted; <see cref="Flush"/> sends them. A broken connection is not an
    /// error here: the reader sees it and reports the exit.
    /// </summary>
    public void Post(ReadOnlyMemory<byte> frame) => _outbox.Post(frame);

    /// <summary>
    /// Sends the posted frames (or leaves them to the thread already sending). On this worker's own reader thread it
    /// does nothing: the frames leave together when the burst of results ends. No reader thread ever waits for a peer.
    /// </summary>
    public void Flush()
    {
        // Callers' code running on the reader (a lone call's continuation) flushes at once: it may block next.
        if (Environment.CurrentManagedThreadId != Volatile.Read(ref _readerThreadId) || (Volatile.Read(ref _reader) & StateMask) != Reading)
        {
            _outbox.Flush(mayBlock: !t_isReader);
        }
    }

    /// <summary>
    /// Whether the reader watches for the next result briefly before it sleeps (see <see cref="ReadableWatch"/>): worth
    /// it while one call is out and nothing else waits; with calls streaming back it would only take processor time.
    /// </summary>
    public bool WatchForResult
    {
        get => _data.WatchBeforeSleeping;
        set => _data.WatchBeforeSleeping = value;
    }

    /// <summary>Asks the worker to cancel a running call cooperatively.</summary>
    public void Cancel(long callId)
    {
        Span<byte> frame = stackalloc byte[Frame.HeaderSize + 8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(frame, 8);
        frame[4] = (byte)FrameKind.Cancel;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(frame[Frame.HeaderSize..], callId);
        try
        {
            _control.Send(frame);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The worker is already gone; its exit is reported by the reader.
        }
    }

    /// <summary>Graceful stop: the worker sees the channel close after its current call and exits.</summary>
    public void Close()
    {
        Stopping = true;
        _data.Shutdown();
        _control.Shutdown();
    }

    /// <summary>Stops the worker at once (SIGKILL).</summary>
    public void Kill()
    {
        Stopping = true;
        KillQuietly(_process);
    }

    public void Dispose()
    {
        ReaderWatchdog.Forget(this);
        _outbox.Dispose();
        _data.Dispose();
        _control.Dispose();
        _process.Dispose();
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private void StartReader()
    {
        int generation = (Volatile.Read(ref _reader) >> 2) + 1;
        var reader = new Thread(g => ReadLoop((int)g!)) { IsBackground = true, Name = $"Spindle worker {ProcessId} reader" };
        Volatile.Write(ref _readerThreadId, reader.ManagedThreadId);
        Volatile.Write(ref _reader, (generation << 2) | Reading);
        reader.Start(generation);
    }

    /// <summary>
    /// Runs <paramref name="callersCode"/> on this reader thread. False if it took so long that another thread took
    /// over the reading meanwhile: this thread must then leave the socket alone.
    /// </summary>
    private bool RunCallersCode(int generation, Action callersCode)
    {
        Volatile.Write(ref _callersCodeSince, Stopwatch.GetTimestamp());
        Volatile.Write(ref _reader, (generation << 2) | RunningCallersCode);
        ReaderWatchdog.Watch(this);
        callersCode();
        int running = (generation << 2) | RunningCallersCode;
        return Interlocked.CompareExchange(ref _reader, (generation << 2) | Reading, running) == running;
    }

    private void ReadLoop(int generation)
    {
        t_isReader = true;

        // Taking over from a reader stuck in callers' code: send whatever it posted.
        _outbox.Flush(mayBlock: false);
        try
        {
            while (_data.ReceiveFrame(out FrameKind kind, out ReadOnlySpan<byte> payload))
            {
                if (kind != FrameKind.Result)
                {
                    throw new InvalidDataException($"Worker {ProcessId} sent a {kind} frame where a result was expected.");
                }

                _onResult!(payload);
                if (!_data.HasBufferedFrame)
                {
                    // The end of what arrived together: the calls posted meanwhile leave in one send, then the results are handed on.
                    _outbox.Flush(mayBlock: false);
                    _data.TrimReadBuffer();
                    if (_onBurstEnd?.Invoke() is { } callersCode)
                    {
                        if (!RunCallersCode(generation, callersCode))
                        {
                            // Another thread reads now (and reports the exit); what this one posts is flushed as it posts.
                            return;
                        }

                        _outbox.Flush(mayBlock: false);
                    }
                }
            }
        }
        catch (InvalidDataException e)
        {
            // A worker that breaks the protocol (a malformed or oversized frame) is killed and reported; nothing else is touched.
            _protocolError = e.Message;
            KillQuietly(_process);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            KillQuietly(_process);
        }

        _ = ReportExitAsync();
    }

    private async Task ReportExitAsync()
    {
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Connection gone but process still there (stuck closing): it cannot serve any more.
                KillQuietly(_process);
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        WorkerExit exit = WorkerExit.From(ProcessId, _process.ExitCode, _stderr.ToString());
        if (_protocolError is not null)
        {
            exit = exit with { Cause = $"the worker broke the channel's protocol ({_protocolError}) and was killed" };
        }

        _exited.TrySetResult(exit);
        _onExit?.Invoke(exit);
    }
}

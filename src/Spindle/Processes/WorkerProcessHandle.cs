using System.Net.Sockets;
using Spindle.Wire;
using Spindle.Interop;

namespace Spindle.Processes;

/// <summary>
/// The parent's handle on one worker process: the process, its two connections, the thread that reads its results
/// (<see cref="ResultReader"/>) and its stderr.
/// Whatever way the worker ends — closed, crashed, killed — <see cref="Exited"/> completes once, with the cause.
/// </summary>
internal sealed class WorkerProcessHandle : IDisposable
{
    /// <summary>Hello payload: the worker's pid.</summary>
    public const int HelloBytes = 4;

    /// <summary>How long a worker whose channel closed may take to exit before it is killed.</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the report of an exit waits for the last of the worker's stderr. Its end comes at once unless a child
    /// that escaped the worker's group holds the pipe, so only that rare case waits it out; 500 ms was seen to pass on a
    /// loaded 2-core machine before the reader had read a FailFast's message, and the crash lost its cause.
    /// </summary>
    private static readonly TimeSpan LastWordsGrace = TimeSpan.FromSeconds(2);

    private readonly SpawnedProcess _process;
    private readonly FrameSocket _data;
    private readonly FrameSocket _control;
    private readonly FrameOutbox _outbox;
    private readonly WorkerStderr _stderr;
    private readonly TaskCompletionSource<WorkerExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ResultReader? _reader;
    private string? _protocolError;
    private Action<WorkerExit>? _onExit;

    private WorkerProcessHandle(SpawnedProcess process, Socket data, Socket control, WorkerStderr stderr, int maxMessageBytes)
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

    /// <summary>
    /// Starts a worker process and waits until it says it is ready and has run the pool's initializer, if any
    /// (<see cref="WorkerInitializer"/>). Its channel is two socket pairs whose other ends only the worker holds
    /// (inherited at <see cref="WorkerEnvironment.DataDescriptor"/> and <see cref="WorkerEnvironment.ControlDescriptor"/>):
    /// there is no address to connect to and no token to steal.
    /// </summary>
    public static async Task<WorkerProcessHandle> StartAsync(WorkerProcessSettings settings, CancellationToken cancellationToken, Action<SpawnedProcess>? onLaunched = null)
    {
        var environment = new WorkerEnvironment(Environment.ProcessId, settings.SerializerType, settings.MaxMessageBytes, settings.OneShot, settings.MemoryLimit, settings.SharedMemoryThreshold, settings.SerializerFactory, settings.App?.Lane);
        Socket? data = null, workerData = null, control = null, workerControl = null;
        int stderrRead = -1, stderrWrite = -1;
        int stdoutRead = -1, stdoutWrite = -1;
        SpawnedProcess? process = null;
        WorkerStderr? stderr = null;
        WorkerProcessHandle? started = null;
        try
        {
            try
            {
                (data, workerData) = Native.CreateSocketPair();
                (control, workerControl) = Native.CreateSocketPair();
                (stderrRead, stderrWrite) = Native.CreatePipe();
                List<(int, int)> descriptors =
                [
                    ((int)workerData.Handle, WorkerEnvironment.DataDescriptor),
                    ((int)workerControl.Handle, WorkerEnvironment.ControlDescriptor),
                    (stderrWrite, 2),
                ];
                if (settings.OutputLogger is not null)
                {
                    // Logged line by line: stdout gets a pipe of its own too (otherwise the worker shares this process's).
                    (stdoutRead, stdoutWrite) = Native.CreatePipe();
                    descriptors.Add((stdoutWrite, 1));
                }

                process = await WorkerLauncher.StartAsync(environment, settings.App, [.. descriptors]).ConfigureAwait(false);
            }
            finally
            {
                // The worker has its copies; ours would keep its end of stream from ever arriving.
                workerData?.Dispose();
                workerControl?.Dispose();
                if (stderrWrite >= 0)
                {
                    _ = Native.CloseDescriptor(stderrWrite);
                }

                if (stdoutWrite >= 0)
                {
                    _ = Native.CloseDescriptor(stdoutWrite);
                }
            }

            // The readers own the descriptors from here on, even if their construction fails half-way (their handles close them).
            int stderrReadEnd = stderrRead;
            stderrRead = -1;
            stderr = new WorkerStderr(stderrReadEnd, process.Id, settings.OutputLogger is { } logger ? WorkerOutputLog.StandardError(logger, process.Id) : null);
            if (settings.OutputLogger is { } stdoutLogger)
            {
                int stdoutReadEnd = stdoutRead;
                stdoutRead = -1;
                _ = new WorkerStdout(stdoutReadEnd, process.Id, WorkerOutputLog.StandardOutput(stdoutLogger, process.Id));
            }
            onLaunched?.Invoke(process);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.StartTimeout);
            bool ready;
            bool initializing = false;
            try
            {
                ready = await ReceiveReadyAsync(control, process.Id, timeout.Token).ConfigureAwait(false);
                if (ready && settings.Initializer is { } initializer)
                {
                    // Part of the start: the pool gets the worker once its initializer has run.
                    initializing = true;
                    ready = await WorkerInitializer.RunAsync(data, initializer, process.Id, settings.MaxMessageBytes, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill();
                string late = initializing ? "finish its Initializer" : "report ready";
                throw new WorkerStartException(
                    $"Worker process {process.Id} did not {late} within {settings.StartTimeout} (WorkerStartTimeout). Started as: {WorkerLauncher.Describe()}",
                    null, stderr.ToString());
            }
            catch (RemoteException e)
            {
                process.Kill();
                throw WorkerInitializer.Failed(process.Id, e, stderr.ToString());
            }

            if (ready)
            {
                started = new WorkerProcessHandle(process, data, control, stderr, settings.MaxMessageBytes);
                return started;
            }

            // End of stream before the hello: the worker is gone (or going); report how it ended.
            if (!process.WaitForExit(ExitGrace))
            {
                process.Kill();
            }

            int exitCode = process.EndGroupAndReap();
            if (!stderr.WaitForEnd(LastWordsGrace))
            {
                stderr.Abandon();
            }

            string tail = stderr.ToString();
            string when = initializing ? "while running its Initializer" : "before it was ready";
            throw new WorkerStartException(
                $"Worker process {process.Id} exited with code {exitCode} {when}.{WorkerStartException.MemoryLimitAdvice(settings.MemoryLimit, tail)} Started as: {WorkerLauncher.Describe()}",
                exitCode, tail);
        }
        finally
        {
            if (stderrRead >= 0)
            {
                _ = Native.CloseDescriptor(stderrRead);
            }

            if (stdoutRead >= 0)
            {
                _ = Native.CloseDescriptor(stdoutRead);
            }

            if (started is null)
            {
                process?.Dispose();
                data?.Dispose();
                control?.Dispose();
            }
        }
    }

    /// <summary>Reads the worker's hello (its pid) from the control connection; false at end of stream.</summary>
    private static async Task<bool> ReceiveReadyAsync(Socket control, int processId, CancellationToken cancellationToken)
    {
        byte[] hello = new byte[Frame.HeaderSize + HelloBytes];
        int got = 0;
        while (got < hello.Length)
        {
            int n = await control.ReceiveAsync(hello.AsMemory(got), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            got += n;
        }

        if (System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(hello) != HelloBytes || hello[4] != (byte)FrameKind.Hello
            || System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(Frame.HeaderSize)) != processId)
        {
            throw new WorkerStartException($"Worker process {processId} sent a malformed hello. Started as: {WorkerLauncher.Describe()}", null, string.Empty);
        }

        return true;
    }

    /// <summary>
    /// Starts reading results (see <see cref="ResultReader"/>); results and the exit are reported through the handlers
    /// from then on. What <paramref name="onBurstEnd"/> returns (the completion of a lone call) runs on the reader.
    /// </summary>
    public void Run(FrameHandler onResult, Action<WorkerExit> onExit, Func<Action?>? onBurstEnd = null, FrameHandler? onSpans = null, FrameHandler? onFill = null)
    {
        _onExit = onExit;
        _reader = new ResultReader(_data, _outbox, ProcessId, onResult, onBurstEnd, OnReaderEnded, onSpans, onFill);
        _reader.Start();
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
        if (_reader?.ReadingHere != true)
        {
            _outbox.Flush(mayBlock: !ResultReader.OnAnyReader);
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
    public void Cancel(long callId) => SendControl(FrameKind.Cancel, callId);

    /// <summary>Tells the worker that the parent may copy to and from its memory (see <see cref="CrossMemory.WorkerCrossMemory"/>).</summary>
    public void CrossMemoryOn() => SendControl(FrameKind.CrossMemoryOn, 0);

    /// <summary>Tells the worker that the argument it asked for is copied in (<paramref name="error"/> 0) or why not (an errno).</summary>
    public void ArgumentFilled(long id, int error) => SendControl(FrameKind.ArgumentFilled, id, error);

    /// <summary>Tells the worker that the result it pinned has been read: it may let go.</summary>
    public void ResultRead() => SendControl(FrameKind.ResultRead, 0);

    private void SendControl(FrameKind kind, long value, int status = 0)
    {
        Span<byte> frame = stackalloc byte[Frame.HeaderSize + 12];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(frame, 12);
        frame[4] = (byte)kind;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(frame[Frame.HeaderSize..], value);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(frame[(Frame.HeaderSize + 8)..], status);
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
        _process.Kill();
    }

    /// <summary>Kills the worker (SIGKILL) without marking it stopping: its exit is reported as a death, as a kill from outside would be.</summary>
    public void KillAsDeath() => _process.Kill();

    public void Dispose()
    {
        _reader?.Forget();
        _outbox.Dispose();
        _data.Dispose();
        _control.Dispose();
        _process.Dispose();
    }

    private void OnReaderEnded(bool clean, string? protocolError)
    {
        if (!clean)
        {
            // A worker that breaks the protocol (a malformed or oversized frame), or a broken connection, is killed and
            // reported; nothing else is touched.
            _protocolError = protocolError;
            _process.Kill();
        }

        ReportExit();
    }

    /// <summary>
    /// Runs once the channel has closed (the worker's descriptors are close-on-exec, so only the worker itself holds its
    /// end): waits for the process to end, ends what is left of its process group, and reports how it ended.
    /// </summary>
    private void ReportExit()
    {
        if (!_process.WaitForExit(ExitGrace))
        {
            // Connection gone but process still there (stuck closing): it cannot serve any more.
            _process.Kill();
            _process.WaitForExit(Timeout.InfiniteTimeSpan);
        }

        int exitCode = _process.EndGroupAndReap();
        if (!_stderr.WaitForEnd(LastWordsGrace))
        {
            // A child that left the worker's group still holds the pipe: stop reading it.
            _stderr.Abandon();
        }

        WorkerExit exit = WorkerExit.From(ProcessId, exitCode, _stderr.ToString());
        if (_protocolError is not null)
        {
            exit = exit with { Cause = $"the worker broke the channel's protocol ({_protocolError}) and was killed" };
        }

        // The owner handles the exit first (fails or retries its calls, lets go of this handle); only then does anyone
        // awaiting Exited, such as a pool that is stopping, carry on.
        _onExit?.Invoke(exit);
        _exited.TrySetResult(exit);
    }
}

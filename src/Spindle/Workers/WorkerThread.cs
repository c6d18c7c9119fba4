using Spindle;
using Spindle.Calls;

namespace Spindle;

/// <summary>
/// Runs a delegate on a new thread of this process (Python's <c>threading.Thread</c>): shared memory, cheap to
/// start. An exception the delegate throws is kept in <see cref="Exception"/> and printed, like Python does,
/// instead of taking the process down.
/// </summary>
public sealed class WorkerThread : IWorker
{
    private readonly Delegate _target;
    private readonly object?[] _args;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Prepares a thread that will call <paramref name="target"/> with <paramref name="args"/>.</summary>
    public WorkerThread(Delegate target, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        _target = target;
        _args = args;
        _thread = new Thread(Body) { IsBackground = false };
    }

    /// <summary>Prepares a thread that will call <paramref name="target"/>.</summary>
    public WorkerThread(Action target)
        : this((Delegate)target)
    {
    }

    /// <inheritdoc />
    public int Id => _thread.ManagedThreadId;

    /// <summary>The thread's name, for debuggers and logs.</summary>
    public string? Name
    {
        get => _thread.Name;
        set => _thread.Name = value;
    }

    /// <inheritdoc />
    public bool IsAlive => _thread.IsAlive && !_finished.Task.IsCompleted;

    /// <inheritdoc />
    public Exception? Exception { get; private set; }

    /// <inheritdoc />
    public void Start() => _thread.Start();

    /// <inheritdoc />
    public void Join() => _thread.Join();

    /// <inheritdoc />
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    /// <inheritdoc />
    public Task JoinAsync(CancellationToken cancellationToken = default) => _finished.Task.WaitAsync(cancellationToken);

    /// <summary>Returns at once: a thread cannot be stopped from outside, so a running one is left to finish.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Body()
    {
        try
        {
            DelegateInvoker.Invoke(_target, _args, CancellationToken.None);
        }
        catch (Exception e)
        {
            Exception = e;
            // Described carefully: the exception's own ToString is user code, and one that throws here would be unhandled.
            Console.Error.WriteLine($"Exception in thread {Id}:{Environment.NewLine}{ExceptionDescription.Describe(e)}");
        }
        finally
        {
            _finished.TrySetResult();
        }
    }
}

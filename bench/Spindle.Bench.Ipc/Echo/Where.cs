using Spindle;

namespace Spindle.Bench.Ipc.Echo;

/// <summary>Where an echo's far end runs: a worker process, or a thread of this process.</summary>
internal enum Where
{
    Process,
    Thread,
}

/// <summary>Starts a far end in a <see cref="WorkerProcess"/> or on a thread, and waits for it at the end.</summary>
internal sealed class FarEnd : IAsyncDisposable
{
    private readonly WorkerProcess? _process;
    private readonly Thread? _thread;

    private FarEnd(WorkerProcess? process, Thread? thread)
    {
        _process = process;
        _thread = thread;
    }

    public static FarEnd Start<T1>(Where where, Action<T1> serve, T1 arg1) => Start(where, serve, () => serve(arg1), [arg1]);

    public static FarEnd Start<T1, T2>(Where where, Action<T1, T2> serve, T1 arg1, T2 arg2) => Start(where, serve, () => serve(arg1, arg2), [arg1, arg2]);

    private static FarEnd Start(Where where, Delegate serve, Action inThread, object?[] args)
    {
        if (where == Where.Thread)
        {
            var thread = new Thread(() => inThread()) { IsBackground = true, Name = "echo" };
            thread.Start();
            return new FarEnd(null, thread);
        }

        var process = new WorkerProcess(serve, args);
        process.Start();
        return new FarEnd(process, null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.Join(TimeSpan.FromSeconds(30)))
            {
                _process.Kill();
            }

            await _process.DisposeAsync();
        }

        _thread?.Join(TimeSpan.FromSeconds(30));
    }
}

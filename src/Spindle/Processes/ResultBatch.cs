using System.Diagnostics;

using Spindle.Backends;
using Spindle;
using Spindle.Pools;

namespace Spindle.Processes;

/// <summary>
/// Results that arrived from a worker process together, completed together on one thread-pool thread: one hand-off
/// per burst instead of one per call, which is most of the cost of a flood of tiny calls. (A lone call's batch runs on
/// the reader itself instead: see <see cref="Take"/>.) Continuations run inline
/// here, as after <c>Task.Run</c>; if they take long, the rest of the batch moves to another thread-pool thread
/// so one slow continuation does not hold back the others for more than <see cref="Budget"/>.
/// </summary>
internal sealed class ResultBatch : IThreadPoolWorkItem
{
    private static readonly long Budget = Stopwatch.Frequency / 1000;

    private readonly IWorkerReports _pool;
    private readonly PendingCall[] _calls;
    private int _next;

    private ResultBatch(IWorkerReports pool, PendingCall[] calls)
    {
        _pool = pool;
        _calls = calls;
    }

    /// <summary>Hands <paramref name="calls"/> (their outcomes already read) to the thread pool, and empties the list.</summary>
    public static void Publish(IWorkerReports pool, List<PendingCall> calls)
    {
        if (calls.Count > 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(From(pool, calls), preferLocal: false);
        }
    }

    /// <summary>The completion of <paramref name="calls"/>, for the caller to run where it is; empties the list.</summary>
    public static Action Take(IWorkerReports pool, List<PendingCall> calls) => From(pool, calls).Execute;

    private static ResultBatch From(IWorkerReports pool, List<PendingCall> calls)
    {
        var batch = new ResultBatch(pool, [.. calls]);
        calls.Clear();
        return batch;
    }

    public void Execute()
    {
        long start = Stopwatch.GetTimestamp();
        while (_next < _calls.Length)
        {
            PendingCall call = _calls[_next++];
            call.Publish();
            _pool.Finish(call);
            if (_next < _calls.Length && Stopwatch.GetTimestamp() - start > Budget)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                return;
            }
        }
    }
}

using System.Diagnostics.CodeAnalysis;
using Spindle.Calls;
using Spindle.Wire;

namespace Spindle.Processes;

/// <summary>
/// A worker's lane: calls it takes itself, from somewhere other than its parent's channel, and answers there. A cluster
/// agent's workers answer lone short calls on NATS this way, so such a call's round trip does not pass through the
/// agent and back (one hop to a worker process and back costs about as much as a whole request-reply on a small
/// machine). The worker still runs one call at a time: a lane call runs only while no call of the parent's does (see
/// <see cref="WorkerLaneHost.TryRun"/>), and a call of the parent's waits for a lane call to end.
/// </summary>
/// <remarks>
/// The lane's code is not here: the parent names a type (<see cref="WorkerEnvironment.Lane"/>) that the worker loads
/// from its app's build and creates with a <see cref="WorkerLaneHost"/> and the parent's settings; it is disposed when
/// the worker ends, after the parent's channel closed. A lane that cannot open leaves a line on stderr and the worker
/// serves its parent alone.
/// </remarks>
internal static class WorkerLane
{
    /// <summary>Creates the lane <paramref name="typeName"/> names, or returns null (and says why on stderr) if it cannot.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = DynamicCode.EngineJustification)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = DynamicCode.EngineJustification)]
    public static IDisposable? Open(string typeName, string settings, WorkerLaneHost host)
    {
        try
        {
            Type type = Type.GetType(typeName, throwOnError: true)!;
            return (IDisposable)Activator.CreateInstance(type, System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic,
                binder: null, args: [host, settings], culture: null)!;
        }
        catch (Exception e)
        {
            Exception cause = e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : e;
            Console.Error.WriteLine($"Spindle worker {Environment.ProcessId}: serves its parent only; its lane {typeName} did not open: {cause.Message}");
            return null;
        }
    }
}

/// <summary>What a worker's lane runs its calls with: the worker's own call runner, taken only while the worker is idle.</summary>
internal sealed class WorkerLaneHost
{
    private readonly CallRunner _runner;
    private readonly Lock _gate;
    private readonly long? _memoryLimit;

    public WorkerLaneHost(CallRunner runner, Lock gate, int maxMessageBytes, long? memoryLimit)
    {
        _runner = runner;
        _gate = gate;
        MaxMessageBytes = maxMessageBytes;
        _memoryLimit = memoryLimit;
    }

    /// <summary>The largest call or result this worker takes, as for its parent's calls.</summary>
    public int MaxMessageBytes { get; }

    /// <summary>
    /// Runs the call in <paramref name="payload"/> (a call frame's payload) if no other call runs, writing its result
    /// frame into <paramref name="result"/>; false, at once, when the worker is busy. A result larger than
    /// <see cref="MaxMessageBytes"/> becomes an error, as for the parent's calls.
    /// </summary>
    public bool TryRun(ReadOnlySpan<byte> payload, WireWriter result, CancellationToken cancellationToken)
    {
        if (!_gate.TryEnter())
        {
            return false;
        }

        try
        {
            WorkerCallLoop.RunChecked(_runner, payload, result, cancellationToken, _memoryLimit, MaxMessageBytes);

            // A lane has nowhere to send a traced call's spans: they are dropped, not left for the next call of the parent's.
            _ = _runner.TakeRun();
            return true;
        }
        finally
        {
            _gate.Exit();
        }
    }
}

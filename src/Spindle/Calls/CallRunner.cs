using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Spindle.Calls.Serialization;
using Spindle.Shared;
using Spindle.Telemetry;
using Spindle.Wire;

namespace Spindle.Calls;

/// <summary>
/// The worker's side of a portable call: a <see cref="FrameKind.Call"/> payload → find the method, rebuild the
/// target and arguments, invoke, and write a <see cref="FrameKind.Result"/> frame with the value or the exception.
/// </summary>
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal sealed class CallRunner
{
    /// <summary>Result status: the call returned a value.</summary>
    public const byte Returned = 0;

    /// <summary>Result status: the call (or decoding it, or encoding its result) threw.</summary>
    public const byte Threw = 1;

    private readonly ValueCodec _codec;
    private WorkerRun? _lastRun;

    public CallRunner(ValueCodec codec)
    {
        _codec = codec;
    }

    /// <summary>Where large results go (a worker of a pool with a <c>SharedMemoryThreshold</c>); null sends every result over the channel.</summary>
    public ResultArena? Arena { get; init; }

    /// <summary>The cross-memory road for large results (a worker whose parent may copy out of it); null if it may not.</summary>
    public CrossMemory.WorkerCrossMemory? CrossMemoryResults { get; init; }

    /// <summary>The process results go to, which a <see cref="SharedArray{T}"/> result is handed over to; 0 for none.</summary>
    public int ParentProcessId { get; init; }

    /// <summary>Reads the call id only, so the worker knows which call a cancellation refers to.</summary>
    public static long PeekCallId(ReadOnlySpan<byte> payload) => new WireReader(payload).ReadInt64();

    /// <summary>
    /// Runs one call; never throws for anything the call did — the outcome goes into <paramref name="result"/>.
    /// Returns the exception the call failed with, or null.
    /// </summary>
    public Exception? Run(ReadOnlySpan<byte> payload, WireWriter result, CancellationToken cancellationToken)
    {
        var reader = new WireReader(payload);
        long callId = reader.ReadInt64();
        // Shared objects the call's arguments opened are the call's: closed once its result is written.
        using SharedReferences.CallScope references = SharedReferences.BeginCall();
        WorkerRun? run = null;
        try
        {
            var flags = (CallFlags)reader.ReadByte();
            if ((flags & CallFlags.TraceContext) != 0)
            {
                run = WorkerRun.Begin(TraceHeader.Read(ref reader), callId);
            }

            string key = reader.ReadString()!;
            int hints = reader.ReadInt32();
            for (int i = 0; i < hints; i++)
            {
                MethodResolver.AddAssemblyHint(reader.ReadString()!, reader.ReadString()!);
            }

            ResolvedMethod method = MethodResolver.Resolve(key);
            object? target = _codec.Read(ref reader, method.Method.DeclaringType!);
            object? value = (flags & CallFlags.Map) != 0
                ? RunMap(method, target, ref reader, cancellationToken)
                : RunOne(method, target, ref reader, cancellationToken);
            Type declared = (flags & CallFlags.Map) != 0 ? method.ResultType.MakeArrayType() : method.ResultType;
            result.BeginFrame(FrameKind.Result);
            result.WriteInt64(callId);
            result.WriteByte(Returned);
            try
            {
                _codec.WriteResult(result, declared == typeof(void) ? null : value, declared, Arena, ParentProcessId, CrossMemoryResults);
            }
            catch
            {
                // Not sent, so not handed over: shared arrays the call returned inside the result (refused there) are
                // nobody's now, and their segments would stay in /dev/shm until this worker exits.
                UnsentSharedArrays.Release(value);
                throw;
            }

            result.EndFrame();
            if (value is ISegmentBacked handedOver && ParentProcessId > 0)
            {
                // The parent owns it now (WriteResult added its use); this worker's use ends with the call, or, for an
                // array the call created, waits to be reused once the parent lets go (HandedOverArrays).
                if (handedOver.Recyclable && Interop.LinuxOnly.IsSupported)
                {
                    HandedOverArrays.Keep(handedOver.Segment);
                }
                else
                {
                    handedOver.Dispose();
                }
            }

            return null;
        }
        catch (Exception e)
        {
            // Anything thrown here — by user code, by decoding, by encoding the result — fails this call only.
            Exception thrown = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            run?.Fail(thrown);
            CrossMemoryResults?.DropResult();
            WriteFailure(result, callId, thrown);
            return thrown;
        }
        finally
        {
            run?.End();
            _lastRun = run;
        }
    }

    /// <summary>The trace of the call <see cref="Run"/> ran last, if it carried a sampled context; taken once.</summary>
    public WorkerRun? TakeRun()
    {
        WorkerRun? run = _lastRun;
        _lastRun = null;
        return run;
    }

    /// <summary>
    /// The second reflection call of a method builds an invoke stub with Reflection.Emit, and the first such stub in a
    /// process pays about 2 ms to set that machinery up. A worker starts this at once on a background thread, on a
    /// method of its own, so the cost is paid while it connects instead of on its second call. (Only this: a warm-up
    /// running a whole dummy call competed with the start-up for the same type loads and delayed the first result.)
    /// </summary>
    public static void WarmUpInvoke()
    {
        var thread = new Thread(static () =>
        {
            MethodInfo echo = typeof(CallRunner).GetMethod(nameof(Echo), BindingFlags.NonPublic | BindingFlags.Static)!;
            object?[] args = [1];
            echo.Invoke(null, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);
            echo.Invoke(null, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);
        })
        {
            IsBackground = true,
            Name = "Spindle worker invoke warm-up",
        };
        thread.Start();
    }

    private static int Echo(int value) => value;

    /// <summary>Writes a result frame saying the call failed with <paramref name="exception"/>.</summary>
    public static void WriteFailure(WireWriter result, long callId, Exception exception)
    {
        result.BeginFrame(FrameKind.Result);
        result.WriteInt64(callId);
        result.WriteByte(Threw);
        RemoteError.Write(result, exception);
        result.EndFrame();
    }

    private object? RunOne(ResolvedMethod method, object? target, ref WireReader reader, CancellationToken cancellationToken)
    {
        ParameterInfo[] parameters = method.Parameters;
        object?[] args = parameters.Length == 0 ? [] : new object?[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            Type type = parameters[i].ParameterType;
            args[i] = type == typeof(CancellationToken) ? cancellationToken : _codec.Read(ref reader, type);
        }

        object? returned = method.Method.Invoke(target, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);
        return method.IsAsync ? CallResultTypes.Await(returned, method.Method.ReturnType) : returned;
    }

    private Array RunMap(ResolvedMethod method, object? target, ref WireReader reader, CancellationToken cancellationToken)
    {
        Type itemType = method.SentParameters[0].ParameterType;
        var items = (Array?)_codec.Read(ref reader, itemType.MakeArrayType()) ?? Array.CreateInstance(itemType, 0);
        if (method.FastMap is { } fast)
        {
            return fast.Run(method.Method, target, items, cancellationToken);
        }

        Array results = Array.CreateInstance(method.ResultType == typeof(void) ? typeof(object) : method.ResultType, items.Length);
        object?[] args = new object?[method.Parameters.Length];
        for (int i = 0; i < items.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int p = 0; p < args.Length; p++)
            {
                args[p] = method.Parameters[p].ParameterType == typeof(CancellationToken) ? cancellationToken : items.GetValue(i);
            }

            object? returned = method.Method.Invoke(target, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);
            results.SetValue(method.IsAsync ? CallResultTypes.Await(returned, method.Method.ReturnType) : returned, i);
        }

        return results;
    }
}

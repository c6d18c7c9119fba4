using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Spindle;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Interop;
using Spindle.Processes;
using Spindle.Shared;
using Spindle.Wire;

namespace Spindle;

/// <summary>
/// What runs inside a worker process: take the channel ends inherited from the parent, say hello, then serve calls
/// one at a time until the parent closes the channel or goes away.
/// </summary>
public static class WorkerHost
{
    private static volatile bool _hookInstalled;

    // Kept alive for the worker's lifetime: disposing the registration would restore the default (terminate).
    private static System.Runtime.InteropServices.PosixSignalRegistration? _ignoreInterrupt;

    /// <summary>Whether <see cref="RunIfWorker"/> was called in this process (so it may restart itself as a worker).</summary>
    internal static bool HookInstalled => _hookInstalled;

    /// <summary>
    /// Needed only in self-contained and single-file apps, as the first line of <c>Main</c>: if this process was
    /// started as a Spindle worker, serve calls and exit; otherwise return at once.
    /// </summary>
    [RequiresUnreferencedCode(DynamicCode.Calls)]
    [RequiresDynamicCode(DynamicCode.Calls)]
    public static void RunIfWorker()
    {
        _hookInstalled = true;
        if (WorkerEnvironment.IsWorker)
        {
            Environment.Exit(Run());
        }
    }

    /// <summary>Serves calls until the parent closes the channel; returns the process exit code.</summary>
    internal static int Run()
    {
        CallRunner.WarmUpInvoke();
        WorkerEnvironment environment = WorkerEnvironment.ReadAndClear();
        Native.DieWithParent();
        if (Native.IsLinux && Native.ParentProcessId() != environment.ParentProcessId)
        {
            // The parent died before the death signal was armed.
            return 70;
        }

        // A worker runs in a process group of its own, but a user may still signal it by hand (kill -INT). The parent
        // decides what an interrupt means (finish, cancel or terminate its pools); a worker ends through its parent.
        _ignoreInterrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, context => context.Cancel = true);

        if (environment.MemoryLimit is { } limit)
        {
            Native.LimitMemory(limit);
        }

        // A serializer that cannot be created fails the start, before the hello, so the parent reports it as such.
        ICallSerializer? serializer = environment.SerializerFactory is { } factory
            ? SerializerFactoryMethod.Create(factory)
            : CreateSerializer(environment.SerializerType);

        // Say hello as early as possible: the parent sends the first call while this thread builds the codec and session.
        using FrameSocket data = new(TakeChannelEnd(WorkerEnvironment.DataDescriptor), environment.MaxMessageBytes);
        using FrameSocket control = new(TakeChannelEnd(WorkerEnvironment.ControlDescriptor), environment.MaxMessageBytes);
        Span<byte> hello = stackalloc byte[Frame.HeaderSize + WorkerProcessHandle.HelloBytes];
        BinaryPrimitives.WriteInt32LittleEndian(hello, WorkerProcessHandle.HelloBytes);
        hello[4] = (byte)FrameKind.Hello;
        BinaryPrimitives.WriteInt32LittleEndian(hello[Frame.HeaderSize..], Environment.ProcessId);
        control.Send(hello);
        using ResultArena? arena = environment.SharedMemoryThreshold is { } threshold && LinuxOnly.IsSupported ? new ResultArena(threshold) : null;
        // The parent may copy large values straight into and out of this process (it says so on the control connection).
        CrossMemory.WorkerCrossMemory? crossMemory = arena is not null && LinuxOnly.IsSupported ? new CrossMemory.WorkerCrossMemory(data) : null;
        CrossMemory.WorkerCrossMemory.Current = crossMemory;
        var runner = new CallRunner(new ValueCodec(serializer)) { Arena = arena, ParentProcessId = environment.ParentProcessId, CrossMemoryResults = crossMemory };
        Lock? runGate = environment.Lane is null ? null : new Lock();
        int exitCode;
        using (IDisposable? lane = environment.Lane is { } spec ? WorkerLane.Open(spec.TypeName, spec.Settings, new WorkerLaneHost(runner, runGate!, environment.MaxMessageBytes, environment.MemoryLimit)) : null)
        {
            var session = new WorkerCallLoop(data, control, runner, environment.OneShot, environment.MemoryLimit, runGate);
            exitCode = session.Serve();

            // The parent closed the channel: the lane takes no more calls and answers the one it runs (its Dispose).
        }

        if (LinuxOnly.IsSupported)
        {
            // Arrays this worker handed over and kept for reuse: those its callers have let go of go now.
            HandedOverArrays.Clear();
        }

        return exitCode;
    }

    /// <summary>
    /// Takes an inherited channel end and marks it close-on-exec, so no program this worker starts (a shell, ffmpeg,
    /// a compiler) holds the channel: the parent's end of stream then means this worker has gone.
    /// </summary>
    private static ChannelDescriptor TakeChannelEnd(int fd)
    {
        Native.CloseOnExec(fd);
        return new ChannelDescriptor(fd);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = DynamicCode.EngineJustification)]
    private static ICallSerializer? CreateSerializer(string? typeName) =>
        typeName is null ? null : (ICallSerializer)Activator.CreateInstance(ValueCodec.ResolveType(typeName))!;
}

using Microsoft.Extensions.Logging;
using Spindle.Backends;

namespace Spindle.Processes;

/// <summary>Runs calls in worker processes on this machine (<see cref="Isolation.Process"/>): each its own memory, a crash stays inside.</summary>
internal sealed class ProcessBackend(BackendContext context, WorkerApp? app = null) : IWorkerBackend
{
    // Encoding the initializer here checks it when the pool is created, naming the option if it cannot cross.
    private readonly WorkerProcessSettings _settings = new(
        context.Options.WorkerStartTimeout,
        context.Options.MaxMessageBytes,
        app?.SerializerType ?? context.Options.Serializer?.GetType().AssemblyQualifiedName,
        OneShot: false,
        context.Options.MemoryLimit,
        WorkerInitializer.Encode(context.Options.Initializer, context.Codec, context.Options.MaxMessageBytes),
        context.Options.WorkerOutput == WorkerOutput.Logger ? context.Options.LoggerFactory?.CreateLogger($"Spindle.Worker.{context.Options.Name}") : null,
        app)
    {
        SharedMemoryThreshold = Interop.LinuxOnly.IsSupported ? context.Options.SharedMemoryThreshold : null,
        SerializerFactory = context.Options.SerializerFactory is { } factory ? Calls.Serialization.SerializerFactoryMethod.Encode(factory) : null,
    };

    public bool SharesMemory => false;

    // Whether this pool may copy large values straight to and from its workers' memory: found on its first worker.
    private bool? _crossMemory = context.Options.CrossMemoryCopy && Interop.LinuxOnly.IsSupported && context.Options.SharedMemoryThreshold is not null ? null : false;

    public async Task<PoolWorker> StartWorkerAsync(int index, CancellationToken cancellationToken)
    {
        WorkerProcessHandle process = await WorkerProcessHandle.StartAsync(_settings, cancellationToken).ConfigureAwait(false);
        var worker = new ProcessWorker(context.Reports, process, context.Codec, context.Options.PipelineDepth);
        if (Interop.LinuxOnly.IsSupported && (_crossMemory ??= Interop.CrossMemoryNative.MayCopyWith(process.ProcessId)))
        {
            // Every worker of the pool is this process's child with the same credentials: one answer holds for all.
            process.CrossMemoryOn();
            context.Codec.CrossMemoryArguments = true;
        }

        return worker;
    }
}

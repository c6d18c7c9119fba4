using Spindle;
using Spindle.Interop;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Threads;

namespace Spindle.Backends;

/// <summary>Every backend a pool can run on, one registration each.</summary>
internal static class WorkerBackends
{
    /// <summary>The backend for <paramref name="context"/>'s options: <see cref="WorkerPoolOptions.Isolation"/>, or one set for tests.</summary>
    public static IWorkerBackend Create(BackendContext context) =>
        context.Options.Backend?.Invoke(context) ?? context.Options.Isolation switch
        {
            Isolation.Thread => new ThreadBackend(context),
            Isolation.Process => LinuxOnly.IsSupported
                ? new ProcessBackend(context)
                : throw LinuxOnly.NotSupported("Isolation.Process", LinuxOnly.ThreadIsolationInstead),
            _ => throw new ArgumentOutOfRangeException(nameof(context), context.Options.Isolation, "Unknown Isolation."),
        };
}

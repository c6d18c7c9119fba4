using System.Runtime.CompilerServices;

namespace Spindle.Calls;

/// <summary>
/// Why calls and messages cannot work in a trimmed or Native AOT app, said once for every
/// <c>[RequiresUnreferencedCode]</c>/<c>[RequiresDynamicCode]</c> on the public API and for the error thrown when an
/// app runs without dynamic code.
/// </summary>
/// <remarks>
/// The call engine (a delegate resolved to its method, captured variables read from the closure's fields, values
/// copied by System.Text.Json's reflection serializer, generic instantiations made at run time, and a worker process
/// that loads the app's own assembly) is reflection by design. So the public entry points carry the attributes, and
/// the engine's internal types suppress the analyzer's warnings with <see cref="EngineJustification"/>: every path
/// into them starts at one of those entry points.
/// </remarks>
internal static class DynamicCode
{
    /// <summary>The reason on <see cref="WorkerPool"/>, <see cref="WorkerProcess"/> and the worker host.</summary>
    public const string Calls =
        "Spindle runs a delegate by finding its method through reflection, reads the variables it captured from the closure's fields, " +
        "copies values with System.Text.Json's reflection-based serializer and, in a worker process, loads the app's own assembly. " +
        "Trimming can remove what that needs, and Native AOT cannot generate the code it makes at run time.";

    /// <summary>The reason on typed messages (<see cref="Ipc.Connection"/>, <see cref="Ipc.MessageQueue{T}"/>) and the JSON serializer.</summary>
    public const string Values =
        "Values other than primitives, strings, byte[] and arrays of unmanaged types are copied with System.Text.Json's reflection-based " +
        "serializer, which trimming can break and Native AOT cannot run.";

    /// <summary>The justification on the call engine's internal types for the analyzer warnings they suppress.</summary>
    public const string EngineJustification =
        "Reached only through public APIs marked [RequiresUnreferencedCode] and [RequiresDynamicCode] with DynamicCode.Calls or DynamicCode.Values.";

    /// <summary>
    /// Throws <see cref="NotSupportedException"/> naming <paramref name="api"/> and <paramref name="reason"/> when the app
    /// runs without dynamic code (Native AOT), instead of a confusing failure deep inside reflection later.
    /// </summary>
    public static void ThrowIfUnsupported(string api, string reason)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            throw new NotSupportedException($"{api} is not supported in an app compiled without dynamic code (Native AOT): {reason}");
        }
    }
}

namespace Spindle.Calls;

/// <summary>How a worker treats a call frame.</summary>
[Flags]
internal enum CallFlags : byte
{
    None = 0,

    /// <summary>The single argument is an array of items; run the method on each and return an array of results.</summary>
    Map = 1,

    /// <summary>A trace header follows the flags (<see cref="Telemetry.TraceHeader"/>): the worker continues the caller's sampled trace.</summary>
    TraceContext = 2,
}

namespace Spindle.Wire;

/// <summary>What a frame between a parent and a worker carries.</summary>
internal enum FrameKind : byte
{
    /// <summary>Worker to parent, first frame on the control connection: the worker's pid, once it is ready to serve.</summary>
    Hello = 1,

    /// <summary>Parent to worker: run one call (or one chunk of a map).</summary>
    Call = 2,

    /// <summary>Worker to parent: the outcome of a call.</summary>
    Result = 3,

    /// <summary>Parent to worker, on the control connection: cancel a running call cooperatively.</summary>
    Cancel = 4,

    /// <summary>Worker to parent, just before a traced call's result: the spans the worker recorded for it (<see cref="Telemetry.ShippedSpans"/>).</summary>
    Spans = 5,
}

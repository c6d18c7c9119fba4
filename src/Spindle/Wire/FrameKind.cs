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

    /// <summary>Worker to parent, while it decodes a call: copy a pinned argument into this array of mine (<see cref="CrossMemory.WorkerCrossMemory"/>).</summary>
    FillArgument = 6,

    /// <summary>Parent to worker, on the control connection: the argument asked for is copied in (or why not).</summary>
    ArgumentFilled = 7,

    /// <summary>Parent to worker, on the control connection: the result it pinned has been copied out; it may let go.</summary>
    ResultRead = 8,

    /// <summary>Parent to worker, on the control connection: the parent can copy to and from this worker's memory, so large values may take that road.</summary>
    CrossMemoryOn = 9,
}

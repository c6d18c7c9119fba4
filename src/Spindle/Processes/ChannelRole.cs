namespace Spindle.Processes;

/// <summary>The two connections each worker process opens to its parent.</summary>
internal enum ChannelRole : byte
{
    /// <summary>Calls and results, one at a time.</summary>
    Data = 1,

    /// <summary>Cancellations; its end of stream tells the worker its parent is gone.</summary>
    Control = 2,
}

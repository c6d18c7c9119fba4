using Spindle.Lab.Model;
using Spindle;
using Spindle.Pools;
using Spindle.Lab.Running;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>One row of the communication experiment: a mechanism between two threads or two processes.</summary>
internal interface IChannelRow
{
    string Series { get; }

    Subject Subject { get; }

    Origin Origin { get; }

    /// <summary>Why the row cannot be measured here, or null when it can.</summary>
    string? MissingReason { get; }

    /// <summary>Opens a channel to an echoing peer; <paramref name="peers"/> is a warm one-worker process pool for peers that need a process.</summary>
    Task<ChannelSession> OpenAsync(ExperimentContext context, int maxBytes, WorkerPool peers);
}

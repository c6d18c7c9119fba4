namespace Spindle.Cluster.Agent;

/// <summary>
/// Copies of one call meeting on an agent: a direct offer answered late (the agent was paused past its caller's wait)
/// and the stream message the caller sent after it. One copy runs; a stream copy arriving second is answered for by
/// the direct copy that runs (see <see cref="AgentCall.TryAdopt"/>).
/// </summary>
internal sealed partial class ClusterAgent
{
    /// <summary>What became of a copy of a call on its way into <see cref="_running"/>.</summary>
    private enum CopyHere
    {
        /// <summary>It runs here: in the table, where its caller's stops find it.</summary>
        Runs,

        /// <summary>A direct copy of the same call runs here and answers for this stream copy, then acks it.</summary>
        HandedOver,

        /// <summary>A copy of the same call with a stream message of its own runs here, or this is an offer arriving second: not run.</summary>
        NotRun,

        /// <summary>The table kept changing under it (copies ending and starting): a stream copy is put back for later.</summary>
        Later,
    }

    /// <summary>
    /// Registers <paramref name="running"/> in <see cref="_running"/>. Two copies of a call never run on an agent at
    /// once: a stop finds the one that runs, and no second worker is taken by a copy nobody could stop. Two copies meet
    /// when a direct offer reached the agent late, after the caller had sent the call to the stream too, and both
    /// reached this agent. The stream's copy arriving second is handed to the direct copy, which answers through the
    /// caller's inbox (its offer's reply may have no listener left) and acks it. A direct copy arriving second, or a
    /// stream copy meeting one with a message of its own (a redelivery the caller let run), is not run.
    /// </summary>
    private CopyHere Register(string key, AgentCall running)
    {
        // Round again only when the table changed: the copy found there has just ended (and is out of it).
        for (int tries = 0; tries < 10; tries++)
        {
            if (_running.TryAdd(key, running))
            {
                return CopyHere.Runs;
            }

            if (!_running.TryGetValue(key, out AgentCall? other))
            {
                continue;
            }

            if (running.Message is not { } delivery || other.Message is not null)
            {
                _options.Log.WriteLine($"spindle agent {Name}: call {key} runs here already; this copy is not run.");
                return CopyHere.NotRun;
            }

            if (other.TryAdopt(delivery))
            {
                _options.Log.WriteLine($"spindle agent {Name}: call {key} runs here already; its copy from the stream is answered for by the one that runs.");
                return CopyHere.HandedOver;
            }
        }

        return running.Message is null ? CopyHere.NotRun : CopyHere.Later;
    }
}

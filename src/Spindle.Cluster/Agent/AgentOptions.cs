namespace Spindle.Cluster.Agent;

/// <summary>What <c>spindle agent</c> runs with (its command-line options, checked there).</summary>
internal sealed record AgentOptions
{
    public required string Server { get; init; }

    public required string Name { get; init; }

    public string ClusterName { get; init; } = "default";

    public int Workers { get; init; } = Environment.ProcessorCount;

    public string? User { get; init; }

    public string? Password { get; init; }

    public string? Token { get; init; }

    public string? CredentialsFile { get; init; }

    /// <summary>Where fetched builds are unpacked, one directory per build hash.</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>How long a delivered call may go unacknowledged before JetStream gives it to another agent (in-progress acks extend it while it runs).</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times JetStream delivers one message before giving up on it (deliveries nobody claimed or acknowledged).</summary>
    public int MaxDeliver { get; init; } = 20;

    /// <summary>How often the agent refreshes its entry in the registry; the entry expires after three of these without one.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the agent waits for a pool to confirm a call before dropping it.</summary>
    public TimeSpan ClaimTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a cancelled call's worker may take to stop before it is killed.</summary>
    public TimeSpan CancellationGracePeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest call frame or result its local workers exchange (<see cref="WorkerPoolOptions.MaxMessageBytes"/> of its pools).</summary>
    public int MaxMessageBytes { get; init; } = Wire.Frame.DefaultMaxMessageBytes;

    /// <summary>Where the agent writes what it does, a line per event.</summary>
    public TextWriter Log { get; init; } = TextWriter.Null;
}

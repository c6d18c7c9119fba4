namespace Spindle.Cluster.Nats;

/// <summary>The message headers calls and their answers carry (the bodies are Spindle's own call and result payloads).</summary>
internal static class ClusterHeaders
{
    /// <summary>JetStream's de-duplication id: a call published twice within the window is stored once.</summary>
    public const string MessageId = "Nats-Msg-Id";

    /// <summary>
    /// Set on a call offered to one agent directly (core NATS, on the agent's subject) instead of through the stream;
    /// the agent answers the offer with <see cref="DirectTakenBody"/> or <see cref="DirectBusyBody"/>.
    /// </summary>
    public const string Direct = "Spindle-Direct";

    public static readonly byte[] DirectTakenBody = "taken"u8.ToArray();

    public static readonly byte[] DirectBusyBody = "busy"u8.ToArray();

    /// <summary>
    /// The version of what agents and clients say to each other (these headers, the subjects, bundles, claims and
    /// answers), on every call. Each version's calls travel on a subject of their own, which only agents of that
    /// version fetch from (ClusterNames.CallsOf), and an agent runs only calls of its own (docs/cluster.md,
    /// "Versions"). Raised whenever either side could no longer read the other; the envelope a refusal needs
    /// (<see cref="Client"/>, <see cref="Call"/>, <see cref="Attempt"/>) never changes.
    /// </summary>
    public const string Protocol = "Spindle-Protocol";

    /// <summary>The <see cref="Protocol"/> this build speaks.</summary>
    public const int ProtocolVersion = 1;

    /// <summary><see cref="ProtocolVersion"/> as the header (and the calls subject) carries it.</summary>
    public static readonly string ProtocolText = ProtocolVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The Spindle version of the client that sent a call: named by an agent that cannot run it.</summary>
    public const string Version = "Spindle-Version";

    /// <summary>This build's Spindle version, as agents register it and clients send it.</summary>
    public static readonly string SpindleVersion = typeof(WorkerPool).Assembly.GetName().Version?.ToString() ?? "unknown";

    public const string Client = "Spindle-Client";
    public const string Call = "Spindle-Call";
    public const string Attempt = "Spindle-Attempt";
    public const string Build = "Spindle-Build";
    public const string Serializer = "Spindle-Serializer";

    /// <summary>The name of the object in the values bucket holding the body: set when it was too large for one message.</summary>
    public const string Value = "Spindle-Value";

    /// <summary>How often the agent must send a sign of life while the call runs, in milliseconds.</summary>
    public const string AliveEvery = "Spindle-Alive-Every";

    /// <summary>What an agent's message to a client is: one of the <c>Event*</c> values.</summary>
    public const string Event = "Spindle-Event";
    public const string Agent = "Spindle-Agent";
    public const string Worker = "Spindle-Worker";

    /// <summary>How long a call's worker took on the agent, in microseconds: the caller bundles calls only while they are short.</summary>
    public const string Ran = "Spindle-Ran";

    /// <summary>How many calls a bundle carries (Nats/Bundle.cs): set on a bundle of calls, and on a claim or "results" about one.</summary>
    public const string Bundle = "Spindle-Bundle";

    /// <summary>The JetStream ack subject of the delivery an agent claims (the client terminates it if it gives up on the agent).</summary>
    public const string Ack = "Spindle-Ack";

    /// <summary>Why a call failed on an agent: <see cref="FailureCrashed"/> or <see cref="FailureError"/>.</summary>
    public const string Failure = "Spindle-Failure";
    public const string ExitCode = "Spindle-Exit-Code";
    public const string Signal = "Spindle-Signal";
    public const string Cause = "Spindle-Cause";

    /// <summary>An agent's order to its workers' lanes (Lanes/WorkerLane.cs): <see cref="LaneClose"/>, take no more calls.</summary>
    public const string LaneOrder = "Spindle-Lane-Order";
    public const string LaneClose = "close";

    /// <summary>A stop sent to an agent: <see cref="StopCancel"/> or <see cref="StopKill"/>.</summary>
    public const string Stop = "Spindle-Stop";

    public const string EventClaim = "claim";

    /// <summary>A first delivery the agent runs at once, without a claim: the caller answers only if it no longer wants it (a stop).</summary>
    public const string EventStarted = "started";
    public const string EventAlive = "alive";
    public const string EventResult = "result";
    public const string EventFailed = "failed";

    /// <summary>The answers to a bundle's calls (Nats/Bundle.cs), confirmed together as one result is.</summary>
    public const string EventResults = "results";

    public const string ClaimRun = "run";
    public const string ClaimDrop = "drop";

    public const string FailureCrashed = "crashed";
    public const string FailureError = "error";

    public const string StopCancel = "cancel";
    public const string StopKill = "kill";

    /// <summary>The key of one attempt at one call of one client.</summary>
    public static string CallKey(string clientId, long callId, int attempt) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{clientId}.{callId}.{attempt}");
}

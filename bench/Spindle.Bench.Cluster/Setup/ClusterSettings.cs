using System.Globalization;

namespace Spindle.Bench.Cluster.Setup;

/// <summary>Counts and limits of one run; quick shrinks the counts, never the set of rows.</summary>
internal sealed record ClusterSettings(bool Quick, IReadOnlySet<int> Only)
{
    public const string Usage =
        "usage: Spindle.Bench.Cluster [--quick] [--only 1,2,3]\n" +
        "  --quick      small counts (about a minute); the default run takes a few minutes\n" +
        "  --only LIST  run only the numbered measurements (1 round trip, 2 tiny-call throughput, 3 MapAsync)";

    public string Mode => Quick ? "quick" : "default";

    public string CommandLineSuffix =>
        Quick || Only.Count > 0 ? " --" + (Quick ? " --quick" : "") + (Only.Count > 0 ? " --only " + string.Join(',', Only.Order()) : "") : "";

    // 1. round trip
    public int RoundTripRounds => Quick ? 3 : 5;
    public int RoundTripCallsPerRound => Quick ? 300 : 1_000;
    public int PeerRoundTripCalls => Quick ? 200 : 500;

    // 2. tiny-call throughput
    public int ManyCalls => Quick ? 5_000 : 20_000;
    public int PeerManyCalls => Quick ? 1_000 : 3_000;
    public int ThroughputReps => Quick ? 2 : 3;

    /// <summary>Calls the pool keeps in flight in the cluster (its Workers): enough that agents never wait for the client.</summary>
    public int CallsInFlight => 64;

    // 3. MapAsync
    public int MapItems => Quick ? 1_000_000 : 10_000_000;
    public int MapChunk => 10_000;
    public int MapReps => Quick ? 1 : 3;

    /// <summary>How long each measurement warms its side (unrecorded) before it is timed: the agents' JIT settles.</summary>
    public TimeSpan WarmUp => TimeSpan.FromSeconds(Quick ? 5 : 15);

    public TimeSpan CallTimeout { get; } = TimeSpan.FromSeconds(60);

    public TimeSpan PeerTimeout => TimeSpan.FromSeconds(Quick ? 120 : 300);

    public TimeSpan MeasurementTimeout => TimeSpan.FromSeconds(Quick ? 240 : 900);

    public bool Includes(int number) => Only.Count == 0 || Only.Contains(number);

    public static ClusterSettings Parse(string[] args)
    {
        bool quick = false;
        var only = new SortedSet<int>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--only" when i + 1 < args.Length:
                    foreach (string part in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        only.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 3
                            ? n
                            : throw new ArgumentException($"--only: '{part}' is not a measurement number (1-3)."));
                    }

                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }

        return new ClusterSettings(quick, only);
    }
}

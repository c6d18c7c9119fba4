using System.Globalization;

namespace Spindle.Bench.Harness;

/// <summary>Counts and limits for one run. Quick keeps every measurement but shrinks the counts so a run takes under a minute.</summary>
internal sealed record BenchSettings(bool Quick, string? MarkdownPath, IReadOnlySet<int> Only)
{
    public const string Usage =
        "usage: Spindle.Bench [--quick] [--markdown PATH] [--only 1,3,...]\n" +
        "  --quick          small counts (under a minute); the default run takes a few minutes\n" +
        "  --markdown PATH  also write the results table as markdown to PATH\n" +
        "  --only LIST      run only the numbered measurements (1-8, 11)";

    public string Mode => Quick ? "quick" : "default";

    /// <summary>The arguments that reproduce this run, for the report.</summary>
    public string CommandLineSuffix =>
        Quick || Only.Count > 0
            ? " --" + (Quick ? " --quick" : "") + (Only.Count > 0 ? " --only " + string.Join(',', Only.Order()) : "")
            : "";

    // 1. warm round trip (process) and its baselines
    public int RoundTripRounds => Quick ? 3 : 5;
    public int RoundTripCallsPerRound => Quick ? 1_000 : 4_000;
    public int PythonRoundTripCalls => Quick ? 2_000 : 10_000;

    // 2. many independent calls
    public int ManyCalls => Quick ? 20_000 : 100_000;
    public int ThroughputReps => Quick ? 2 : 3;

    // 3. MapAsync
    public int MapItems => Quick ? 1_000_000 : 10_000_000;

    // 4. thread isolation overhead
    public int ThreadRounds => Quick ? 3 : 5;
    public int ThreadCallsPerRound => Quick ? 5_000 : 40_000;

    // 5-7
    public int ColdStartReps => Quick ? 4 : 10;
    public int BigArrayReps => Quick ? 3 : 10;
    public int MemoryReps => Quick ? 1 : 3;

    /// <summary>The longest any single await may take before the bench gives up on it (never an unbounded wait).</summary>
    public TimeSpan CallTimeout { get; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest one Python peer run may take; it is killed after that.</summary>
    public TimeSpan PeerTimeout => TimeSpan.FromSeconds(Quick ? 60 : 240);

    /// <summary>The longest one numbered measurement may take before it is reported as failed.</summary>
    public TimeSpan MeasurementTimeout => TimeSpan.FromSeconds(Quick ? 120 : 600);

    public bool Includes(int number) => Only.Count == 0 || Only.Contains(number);

    public static BenchSettings Parse(string[] args)
    {
        bool quick = false;
        string? markdown = null;
        var only = new SortedSet<int>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--markdown" when i + 1 < args.Length:
                    markdown = args[++i];
                    break;
                case "--only" when i + 1 < args.Length:
                    foreach (string part in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        only.Add(int.TryParse(part, CultureInfo.InvariantCulture, out int n) && n is (>= 1 and <= 8) or 11
                            ? n
                            : throw new ArgumentException($"--only takes measurement numbers 1-8 and 11, not '{part}'."));
                    }

                    break;
                default:
                    throw new ArgumentException($"Unknown or incomplete argument '{args[i]}'.");
            }
        }

        return new BenchSettings(quick, markdown, only);
    }
}

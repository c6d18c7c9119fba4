namespace Spindle.Bench.Ipc;

/// <summary>Sizes and counts for one run; quick keeps every section but fewer sizes and messages (well under a minute).</summary>
internal sealed record IpcSettings(bool Quick, string? MarkdownPath, string[]? Only = null)
{
    public const string Usage =
        "usage: Spindle.Bench.Ipc [--quick] [--markdown PATH] [--only ID[,ID...]]\n" +
        "  --quick          fewer sizes and messages (well under a minute)\n" +
        "  --markdown PATH  also write the results table as markdown to PATH\n" +
        "  --only IDS       only the rows whose id starts with one of IDS (e.g. P1MiB,P16MiB,X64B)";

    public const int Small = 64;
    public const int Largest = 16 << 20;

    public string Mode => Quick ? "quick" : "default";

    public int[] LatencySizes => Quick && Only is null ? [64, 64 << 10, Largest] : [64, 4 << 10, 64 << 10, 1 << 20, Largest];

    public int[] BurstSizes => [Small, 1 << 20];

    /// <summary>The id prefix of a size's rows in a section ("P" between processes, "T" threads, "X" throughput): "P1MiB".</summary>
    public static string RowPrefix(char section, int size) => section + Size(size).Replace(" ", "", StringComparison.Ordinal);

    /// <summary>The sizes of <paramref name="sizes"/> whose rows in <paramref name="section"/> were asked for (all without --only).</summary>
    public int[] Wanted(char section, int[] sizes) =>
        Only is null ? sizes : [.. sizes.Where(size => Only.Any(id => RowPrefix(section, size).StartsWith(id, StringComparison.Ordinal) || id.StartsWith(RowPrefix(section, size), StringComparison.Ordinal)))];

    /// <summary>Rounds alternate between mechanisms, so a noisy machine's drift hits them all alike.</summary>
    public int Rounds => Quick ? 2 : 4;

    public int RoundTrips(int size) => size switch
    {
        <= 4 << 10 => Quick ? 2_000 : 10_000,
        <= 64 << 10 => Quick ? 300 : 2_000,
        <= 1 << 20 => Quick ? 30 : 200,
        _ => Quick ? 4 : 16,
    };

    public int BurstMessages(int size) => size <= 4 << 10 ? (Quick ? 20_000 : 100_000) : (Quick ? 100 : 400);

    public TimeSpan PeerTimeout => TimeSpan.FromSeconds(Quick ? 60 : 180);

    public static IpcSettings Parse(string[] args)
    {
        bool quick = false;
        string? markdown = null;
        string[]? only = null;
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
                    only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                default:
                    throw new ArgumentException($"Unknown or incomplete argument '{args[i]}'.");
            }
        }

        return new IpcSettings(quick, markdown, only);
    }

    public static string Size(int bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : bytes >= 1 << 10 ? $"{bytes >> 10} KiB" : $"{bytes} B";
}

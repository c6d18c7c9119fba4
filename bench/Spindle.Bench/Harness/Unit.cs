using System.Globalization;

namespace Spindle.Bench.Harness;

/// <summary>What a figure measures, which way is better, and how it prints.</summary>
internal sealed record Unit(string Name, bool HigherIsBetter)
{
    public static readonly Unit Microseconds = new("µs", HigherIsBetter: false);
    public static readonly Unit Milliseconds = new("ms", HigherIsBetter: false);
    public static readonly Unit CallsPerSecond = new("calls/s", HigherIsBetter: true);
    public static readonly Unit ItemsPerSecond = new("items/s", HigherIsBetter: true);
    public static readonly Unit GigabytesPerSecond = new("GB/s", HigherIsBetter: true);
    public static readonly Unit Mebibytes = new("MiB", HigherIsBetter: false);

    /// <summary>One value without the unit, with about three significant digits; rates get k/M prefixes.</summary>
    public string Number(double value)
    {
        if (this == CallsPerSecond || this == ItemsPerSecond)
        {
            return value >= 1e6 ? Digits(value / 1e6) + " M"
                : value >= 1e3 ? Digits(value / 1e3) + " k"
                : Digits(value);
        }

        return Digits(value);
    }

    public string Format(double value) => $"{Number(value)} {Name}".Replace("  ", " ", StringComparison.Ordinal);

    private static string Digits(double value) =>
        value.ToString(Math.Abs(value) >= 100 ? "0" : Math.Abs(value) >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
}

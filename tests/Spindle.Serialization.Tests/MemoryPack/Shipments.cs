using MemoryPack;

namespace Spindle.Serialization.Tests.MemoryPack;

/// <summary>A record-heavy payload in MemoryPack's terms: every type [MemoryPackable] and partial.</summary>
[MemoryPackable]
public sealed partial record Shipment(int Id, string Customer, double Weight, decimal Price, DateTime ShippedAt, Parcel[] Parcels, int[][] Grid, List<string> Tags);

/// <summary>One parcel of a shipment, with a nested array.</summary>
[MemoryPackable]
public sealed partial record Parcel(string Label, double[] Dimensions);

/// <summary>A record holding a number no fixed-size type holds.</summary>
[MemoryPackable]
public sealed partial record Ledger(string Name, System.Numerics.BigInteger Total);

/// <summary>A plain record MemoryPack has no formatter for.</summary>
public sealed record Unmarked(string Name);

internal static class Shipments
{
    public static List<Shipment> Create(int count) =>
        Enumerable.Range(0, count).Select(i => new Shipment(
            i,
            $"customer-{i} ünïcode",
            i * 1.25,
            i * 10.01m,
            new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i),
            [new Parcel($"box-{i}", [i, i + 0.5, i + 1]), new Parcel("envelope", [])],
            [[i, i + 1], [i * 2]],
            ["fragile", $"lane-{i % 7}"])).ToList();
}

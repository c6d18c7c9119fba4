namespace Spindle.Serialization.Tests.MessagePack;

/// <summary>A record-heavy payload of plain records: no MessagePack attributes.</summary>
public sealed record Shipment(int Id, string Customer, double Weight, decimal Price, DateTime ShippedAt, Parcel[] Parcels, int[][] Grid, List<string> Tags);

/// <summary>One parcel of a shipment, with a nested array.</summary>
public sealed record Parcel(string Label, double[] Dimensions);

/// <summary>Its constructor parameter matches no member, so MessagePack can write it but not rebuild it.</summary>
public sealed class Opaque(int seed)
{
    public int Doubled => seed * 2;
}

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

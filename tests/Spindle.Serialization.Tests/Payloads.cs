using System.Text.Json;

namespace Spindle.Serialization.Tests;

internal static class Payloads
{
    /// <summary>Records holding arrays compare arrays by reference, so compare what they contain, as JSON.</summary>
    public static void AssertSame<T>(T expected, T actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));
}

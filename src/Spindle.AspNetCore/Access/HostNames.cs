namespace Spindle.AspNetCore.Access;

/// <summary>The one check of a host name a user allows (<c>ServeOptions.AllowedHosts</c>, <see cref="SpindleDashboardOptions.AllowedHosts"/>).</summary>
internal static class HostNames
{
    /// <summary>The names, trimmed; throws <see cref="ArgumentException"/> naming <paramref name="optionName"/> for one that is not a host name or an IP address.</summary>
    public static IReadOnlyList<string> CheckAllowed(IEnumerable<string> names, string optionName)
    {
        ArgumentNullException.ThrowIfNull(names, optionName);
        return [.. names.Select(name => CheckOne(name, optionName))];
    }

    private static string CheckOne(string? name, string optionName)
    {
        string bare = name?.Trim() ?? "";
        return Uri.CheckHostName(bare) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6 && !bare.EndsWith('.')
            ? bare
            : throw new ArgumentException(
                $"Allowed host '{name}' is not a host name or an IP address: give a name such as myhost.lan or an address such as 192.168.1.20, without scheme, port or wildcard.",
                optionName);
    }
}

namespace Spindle.Cluster.Nats;

/// <summary>
/// A NATS server address as it may be shown: every message, log line and exception that names a server goes through
/// <see cref="Redacted"/>, so a password or token written into the address (<c>nats://user:secret@host</c>, which the
/// options refuse, see <see cref="HasCredentials"/>) never reaches a terminal, a log or a dashboard.
/// </summary>
internal static class ServerAddress
{
    private const string Hidden = "***";

    /// <summary>
    /// <paramref name="server"/> with the secret part of any credentials in it replaced by <c>***</c>: <c>user:***@host</c>
    /// (as NATS.Net writes it), <c>***@host</c> for a token. Each address of a comma-separated list is redacted; text
    /// that is no URL at all is redacted the same way, since an address refused as malformed is quoted too.
    /// </summary>
    public static string Redacted(string? server) =>
        server is null ? string.Empty : string.Join(',', server.Split(',').Select(RedactedOne));

    /// <summary>True when <paramref name="server"/> holds a user, password or token before its host.</summary>
    public static bool HasCredentials(string server) => server.Split(',').Any(one => UserInfo(one) is var (start, end) && end > start);

    private static string RedactedOne(string server)
    {
        (int start, int end) = UserInfo(server);
        if (end == start)
        {
            return server;
        }

        string credentials = server[start..end];
        int colon = credentials.IndexOf(':', StringComparison.Ordinal);
        string shown = colon < 0 ? Hidden : $"{credentials[..colon]}:{Hidden}";
        return string.Concat(server.AsSpan(0, start), shown, server.AsSpan(end));
    }

    /// <summary>Where the credentials are: between the scheme's <c>//</c> (or the start) and the last '@' before the path.</summary>
    private static (int Start, int End) UserInfo(string server)
    {
        int scheme = server.IndexOf("//", StringComparison.Ordinal);
        int start = scheme < 0 ? 0 : scheme + 2;
        int end = server.IndexOfAny(['/', '?', '#'], start);
        if (end < 0)
        {
            end = server.Length;
        }

        int at = end == start ? -1 : server.LastIndexOf('@', end - 1, end - start);
        return (start, at < 0 ? start : at);
    }
}

using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Spindle.AspNetCore.Access;

/// <summary>
/// Serves only requests addressed to a name this server answers to, before anything else runs. A web page whose own
/// name an attacker points at 127.0.0.1 (DNS rebinding) talks to this server as its own origin: the browser sends
/// <c>Host: evil.example:PORT</c> and a matching <c>Origin</c>, so only the Host tells it apart.
/// </summary>
/// <remarks>
/// Served: <c>localhost</c>; loopback addresses; the address listened on (any IP address when that is
/// <c>0.0.0.0</c> or <c>::</c>, or when the listening address is not known, as for a dashboard mounted in someone's
/// app: an address cannot be rebound, only a name can); the allowed names. The port is not compared: a rebinding page
/// reaches the real port anyway, and a forwarded port (a container's, a tunnel's) keeps working. A request with no
/// Host at all (HTTP/1.0) comes from no browser and names nothing to rebind, so it is served.
/// </remarks>
internal sealed class HostGuard
{
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase) { "localhost" };
    private readonly HashSet<IPAddress> _addresses = [];
    private readonly bool _anyAddress;
    private readonly string _refusal;

    /// <summary>A guard for a server listening on <paramref name="listening"/> (null: unknown, so any IP address).</summary>
    /// <param name="listening">The address listened on, or null when it is not known.</param>
    /// <param name="allowedHosts">Names and addresses served besides the ones above (already checked by <see cref="HostNames.CheckAllowed"/>).</param>
    /// <param name="servedBy">Who refuses, for the message: "This server", "The Spindle dashboard".</param>
    /// <param name="howToServeAnother">The setting that serves another name, for the message.</param>
    public HostGuard(IPAddress? listening, IEnumerable<string> allowedHosts, string servedBy, string howToServeAnother)
    {
        _anyAddress = listening is null || listening.Equals(IPAddress.Any) || listening.Equals(IPAddress.IPv6Any);
        List<string> served = ["localhost", "127.0.0.1", "[::1]"];
        if (!_anyAddress)
        {
            _addresses.Add(Normalized(listening!));
            if (!IPAddress.IsLoopback(listening!))
            {
                served.Add(Format(Normalized(listening!)));
            }
        }

        foreach (string host in allowedHosts)
        {
            if (TryParseAddress(host, out IPAddress? address))
            {
                _addresses.Add(address);
            }
            else
            {
                _names.Add(host);
            }
        }

        // The refusal lists only what every server answers to: a rebinding page can read it, and learns no configured name.
        _refusal = $"{servedBy} answers to {string.Join(", ", served)}{(_anyAddress ? " and any IP address" : "")}; {howToServeAnother}.";
    }

    /// <summary>Whether a request with this Host header is served.</summary>
    public bool Serves(HostString host)
    {
        if (!host.HasValue)
        {
            return true;
        }

        return TryParseAddress(host.Host, out IPAddress? address)
            ? _anyAddress || IPAddress.IsLoopback(address) || _addresses.Contains(address)
            : _names.Contains(host.Host);
    }

    /// <summary>Runs <paramref name="next"/> for a served Host; answers 400 with a short plain message otherwise.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (Serves(context.Request.Host))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        await Refusal.WriteAsync(context, StatusCodes.Status400BadRequest, $"Host '{context.Request.Host.Host}' is not served here. {_refusal}").ConfigureAwait(false);
    }

    private static bool TryParseAddress(string host, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        string bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(bare, out address))
        {
            address = Normalized(address);
            return true;
        }

        return false;
    }

    private static IPAddress Normalized(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static string Format(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}

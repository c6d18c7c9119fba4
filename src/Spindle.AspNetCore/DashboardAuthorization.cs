using System.Net;
using Microsoft.AspNetCore.Http;

namespace Spindle;

/// <summary>Ready-made hooks for <see cref="SpindleDashboardOptions.Authorization"/>.</summary>
public static class DashboardAuthorization
{
    // Headers a reverse proxy adds when it relays someone else's request over a loopback connection.
    private static readonly string[] ForwardingHeaders = ["Forwarded", "X-Forwarded-For", "X-Real-IP"];

    /// <summary>
    /// Allows only requests whose connection comes from this machine (a loopback address): the default. A loopback
    /// connection that carries forwarding headers (<c>X-Forwarded-For</c>, <c>Forwarded</c>, <c>X-Real-IP</c>) is a
    /// reverse proxy relaying someone else, and is refused.
    /// </summary>
    /// <remarks>
    /// Behind a reverse proxy, use ASP.NET Core's forwarded-headers middleware (it replaces the connection's address with
    /// the client's and removes the header), or replace this hook with one that knows your users.
    /// </remarks>
    public static ValueTask<bool> LoopbackOnly(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult(IsLoopback(context));
    }

    /// <summary>Allows requests of a signed-in user (<c>HttpContext.User.Identity.IsAuthenticated</c>), from anywhere.</summary>
    public static ValueTask<bool> AuthenticatedUsers(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult(context.User.Identity?.IsAuthenticated == true);
    }

    private static bool IsLoopback(HttpContext context)
    {
        IPAddress? remote = context.Connection.RemoteIpAddress;
        if (remote is null)
        {
            // No IP connection (a Unix socket, an in-memory test host): nothing says it is this machine, so no.
            return false;
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        return IPAddress.IsLoopback(remote) && !ForwardingHeaders.Any(context.Request.Headers.ContainsKey);
    }
}

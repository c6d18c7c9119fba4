using Microsoft.AspNetCore.Http;
using Spindle.AspNetCore.Web;

namespace Spindle.AspNetCore.Access;

/// <summary>
/// Refuses POSTs sent by a page of another origin (cross-site request forgery): a web site open in the same browser
/// could otherwise kill workers or start renders through a dashboard its user is signed in to or can reach on
/// loopback. Clients that send no Origin (curl, HttpClient) are not affected; browsers send one with every POST.
/// </summary>
/// <remarks>
/// The Origin is compared with the request's own Host, so this check holds only because <see cref="HostGuard"/> runs
/// first: a DNS-rebinding page sends <c>Host: evil.example:PORT</c> with a matching Origin, and only the Host guard
/// refuses it.
/// </remarks>
internal static class SameOriginGuard
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        string? origin = context.Request.Headers.Origin;
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && origin is { Length: > 0 }
            && (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? from) || !string.Equals(from.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase)))
        {
            await ApiError.Result(StatusCodes.Status403Forbidden, $"Requests from {origin} are refused: only pages served by this server may post to it.")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }
}

using Microsoft.AspNetCore.Http;

namespace Spindle.AspNetCore.Access;

/// <summary>
/// What every dashboard endpoint passes before it runs, in this order: the Host check (DNS rebinding, 400), the
/// user's authorization hook (403), the same-origin check for POSTs (cross-site request forgery, 403).
/// </summary>
/// <remarks>
/// Wrapped around each endpoint rather than added as endpoint filters: the dashboard's endpoints are plain request
/// delegates (the event stream writes its own response), and the gate must hold for every one of them.
/// </remarks>
internal sealed class DashboardGate(HostGuard hosts, Func<HttpContext, ValueTask<bool>> authorization)
{
    private const string Forbidden =
        "Forbidden: the Spindle dashboard's authorization hook (SpindleDashboardOptions.Authorization) refused this request. "
        + "By default only connections from this machine are allowed.";

    /// <summary><paramref name="endpoint"/> behind the gate.</summary>
    public RequestDelegate Guard(RequestDelegate endpoint)
    {
        RequestDelegate sameOrigin = context => SameOriginGuard.InvokeAsync(context, endpoint);
        RequestDelegate authorized = context => AuthorizeAsync(context, sameOrigin);
        return context => hosts.InvokeAsync(context, authorized);
    }

    private async Task AuthorizeAsync(HttpContext context, RequestDelegate next)
    {
        if (await authorization(context).ConfigureAwait(false))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        await Refusal.WriteAsync(context, StatusCodes.Status403Forbidden, Forbidden).ConfigureAwait(false);
    }
}

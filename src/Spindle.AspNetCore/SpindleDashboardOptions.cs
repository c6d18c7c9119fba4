using Microsoft.AspNetCore.Http;
using Spindle.AspNetCore.Access;

namespace Spindle;

/// <summary>What a dashboard mounted with <see cref="SpindleDashboardEndpointRouteBuilderExtensions.MapSpindleDashboard"/> shows, and to whom.</summary>
public sealed class SpindleDashboardOptions
{
    private Func<HttpContext, ValueTask<bool>> _authorization = DashboardAuthorization.LoopbackOnly;
    private IReadOnlyList<string> _allowedHosts = [];
    private string _title = "Spindle";

    /// <summary>Pools to show, in this order.</summary>
    /// <value>
    /// The default is empty. When this and <see cref="PoolSource"/> give no pools, the dashboard shows the pools of the
    /// <see cref="IWorkerPoolSource"/> registered in dependency injection.
    /// </value>
    public IList<WorkerPool> Pools { get; } = [];

    /// <summary>Pools to show, asked for anew about twice a second (so pools created later, or through DI, appear), after <see cref="Pools"/>.</summary>
    /// <value>The default is null.</value>
    public Func<IServiceProvider, IEnumerable<WorkerPool>>? PoolSource { get; set; }

    /// <summary>Decides whether a request may see the dashboard (and use its actions); a request it refuses gets 403.</summary>
    /// <value>
    /// The default is <see cref="DashboardAuthorization.LoopbackOnly"/>: only connections from this machine. To open the
    /// dashboard to others, set a hook that knows your users (or <see cref="DashboardAuthorization.AuthenticatedUsers"/>),
    /// and add <c>.RequireAuthorization(...)</c> to what <c>MapSpindleDashboard</c> returns for a policy.
    /// </value>
    public Func<HttpContext, ValueTask<bool>> Authorization
    {
        get => _authorization;
        set => _authorization = value ?? throw new ArgumentNullException(nameof(Authorization), "Authorization cannot be null: use DashboardAuthorization.LoopbackOnly, DashboardAuthorization.AuthenticatedUsers or a hook of your own.");
    }

    /// <summary>
    /// Host names served besides <c>localhost</c> and IP addresses: the names your app is reached by (for example
    /// <c>admin.example.com</c>). Requests whose <c>Host</c> names anything else are refused with 400, so a web page
    /// whose own name was made to point at this machine (DNS rebinding) cannot use the dashboard.
    /// </summary>
    /// <value>The default is none. Each entry is a DNS name or an IP address, without scheme, port or wildcard.</value>
    public IReadOnlyList<string> AllowedHosts
    {
        get => _allowedHosts;
        set => _allowedHosts = HostNames.CheckAllowed(value, nameof(AllowedHosts));
    }

    /// <summary>Whether the dashboard only shows: no kill button, and its kill endpoint is not mapped.</summary>
    /// <value>The default is false: a worker process can be killed from the page (its pool replaces it, as after a crash).</value>
    public bool ReadOnly { get; set; }

    /// <summary>The page's title.</summary>
    /// <value>The default is "Spindle".</value>
    public string Title
    {
        get => _title;
        set => _title = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("Title cannot be empty.", nameof(Title)) : value;
    }
}

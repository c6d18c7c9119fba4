using Microsoft.Extensions.DependencyInjection;

namespace Spindle.Extensions.Hosting.Registration;

/// <summary>Names come from the registrations; pools from keyed dependency injection, so both ways give the same instance.</summary>
internal sealed class WorkerPoolProvider(IServiceProvider services, IEnumerable<WorkerPoolRegistration> registrations) : IWorkerPoolProvider
{
    public IReadOnlyList<string> Names { get; } = registrations.Select(r => r.Name).Distinct(StringComparer.Ordinal).ToArray();

    public WorkerPool GetPool(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Names.Contains(name, StringComparer.Ordinal))
        {
            string known = Names.Count == 0 ? "none is registered (services.AddWorkerPool(name, ...))" : "registered: " + string.Join(", ", Names);
            throw new ArgumentException($"No worker pool is registered as '{name}'; {known}.", nameof(name));
        }

        return services.GetRequiredKeyedService<WorkerPool>(name);
    }

    public IEnumerable<WorkerPool> GetPools() => Names.Select(GetPool);
}

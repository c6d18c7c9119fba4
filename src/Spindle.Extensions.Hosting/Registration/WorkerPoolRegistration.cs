namespace Spindle.Extensions.Hosting.Registration;

/// <summary>One pool added with <c>AddWorkerPool</c>: a singleton per name in the service collection, so the provider and the host know every pool.</summary>
internal sealed record WorkerPoolRegistration(string Name);

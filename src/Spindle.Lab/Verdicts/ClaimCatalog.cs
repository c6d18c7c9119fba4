using Spindle.Lab.Model;

namespace Spindle.Lab.Verdicts;

/// <summary>Every claim of the seed documents — each row of the comparison table and each "use … when" bullet — with its rule.</summary>
internal static class ClaimCatalog
{
    /// <summary>Source of the seven rows of the comparison table (the terminal table shows these).</summary>
    public const string TableSource = "comparison table";

    public static IReadOnlyList<Claim> All { get; } =
    [
        new(TableSource, "Memory Space: separate memory space for each process; threads share the memory space of their process.", Rules.Memory),
        new(TableSource, "Isolation: processes are isolated and do not share data directly; threads share memory and need synchronization.", Rules.Isolation),
        new(TableSource, "Creation Overhead: higher for processes (own resources), lower for threads.", Rules.Creation),
        new(TableSource, "Context Switching: slower between processes (independent memory spaces), faster between threads.", Rules.ContextSwitch),
        new(TableSource, "Concurrency: processes run independently on different CPUs; threads run concurrently and may run on different CPUs if supported.", ScalingRules.Concurrency),
        new(TableSource, "Inter-communication: processes need IPC (pipes, shared memory); threads communicate easily via shared memory.", CommunicationRule.Judge),
        new(TableSource, "Example Use Case: processes for heavy, independent tasks that need isolation; threads for lightweight, I/O-bound tasks.", ScalingRules.UseCase),
        new("use processes when (seed 1)", "You need independence and isolation: a failure in one task should not affect others.", Rules.Isolation),
        new("use processes when (seed 1)", "Tasks are CPU-bound and benefit from true parallelism across multiple CPU cores.", ScalingRules.CpuBound),
        new("use processes when (seed 1)", "You want the operating system to handle memory protection and process scheduling independently.", Rules.OsProtection),
        new("use threads when (seed 1)", "Tasks need to share data and communicate easily with each other.", Rules.ShareData),
        new("use threads when (seed 1)", "Tasks are I/O-bound (network, files) and should not block other operations while waiting.", Rules.IoBound),
        new("use threads when (seed 1)", "You need to optimize context switching and minimize memory usage, as threads are lightweight.", Rules.SwitchAndMemory),
        new("conclusion (seed 1)", "Processes are better for tasks that need isolation, such as independent applications or services.", Rules.Isolation),
        new("conclusion (seed 1)", "Threads suit tasks that share data and run concurrently within one application, especially I/O-bound tasks.", Rules.Conclusion),
        new("use processes when (seed 2)", "Isolation is critical for stability and security (web servers, microservices).", Rules.OsProtection),
        new("use processes when (seed 2)", "Heavyweight tasks are resource-intensive and need separate memory spaces to avoid interference.", ScalingRules.HeavyTasks),
        new("use threads when (seed 2)", "Performance and fast communication are critical (real-time, high-performance applications).", Rules.Performance),
        new("use threads when (seed 2)", "Tasks need to share resources efficiently (parallel processing, multi-threaded applications).", Rules.SharedResources),
    ];

    public static IEnumerable<Verdict> Judge(LabReport report)
    {
        var evidence = new Evidence(report);
        return All.Select(claim => claim.Judge(evidence));
    }
}

using Microsoft.Extensions.Options;
using Spindle.Pools;

namespace Spindle.Extensions.Hosting.Configuration;

/// <summary>
/// Refuses, when the host starts, the options a pool would refuse when created: values valid one by one but not together
/// (<see cref="WorkerPoolOptions.MemoryLimit"/> with <see cref="Isolation.Thread"/>), reported as every other bad option
/// is, an <see cref="OptionsValidationException"/> naming the pool, with the pool's own sentence for each.
/// </summary>
/// <remarks>It runs after every Configure and PostConfigure, so it sees the options as the pool will, whichever set them.</remarks>
internal sealed class WorkerPoolOptionsValidator : IValidateOptions<WorkerPoolOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerPoolOptions options)
    {
        string[] conflicts = [.. OptionConflicts.Find(options)];
        return conflicts.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(conflicts);
    }
}

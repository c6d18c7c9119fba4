using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Samples.Tests.Seeds;

/// <summary>The built <c>samples/Seeds</c> program, started directly (its apphost) so the child's pid is the app's pid.</summary>
internal static class SeedsProgram
{
    public static Task<ChildResult> RunAsync(params string[] arguments)
    {
        string dll = Repository.SampleProgram("Seeds");
        string apphost = Path.ChangeExtension(dll, OperatingSystem.IsWindows() ? ".exe" : null);
        return File.Exists(apphost)
            ? ChildProcess.RunAsync(apphost, arguments, Timeouts.ProgramRun)
            : ChildProcess.RunAsync(Dotnet.Muxer, ["exec", dll, .. arguments], Timeouts.ProgramRun);
    }
}

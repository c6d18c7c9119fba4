namespace Spindle.Samples.Tests.Infrastructure;

/// <summary>How long a child program may take before the test kills it and fails. Generous: the machines are small and shared.</summary>
internal static class Timeouts
{
    /// <summary>A sample program run: starts a few worker processes and prints a few lines.</summary>
    public static readonly TimeSpan ProgramRun = TimeSpan.FromSeconds(60);

    /// <summary>One dotnet build, publish, pack, restore or run that compiles.</summary>
    public static readonly TimeSpan DotnetCommand = TimeSpan.FromMinutes(5);

    /// <summary>Packing the whole solution: a restore of every project and a build of every packable one.</summary>
    public static readonly TimeSpan PackSolution = TimeSpan.FromMinutes(12);

    /// <summary>How long output may stay open after the program exited: only a process it left behind keeps it open.</summary>
    public static readonly TimeSpan OutputAfterExit = TimeSpan.FromSeconds(15);
}

using System.Runtime.InteropServices;
using Spindle.Samples.Tests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Spindle.Samples.Tests.LaunchModes;

/// <summary>
/// samples/QuickStart built, and published on demand, into a temp folder: <c>--artifacts-path</c> keeps every
/// bin and obj folder out of the repository tree.
/// </summary>
public sealed class QuickStartBuild : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("quickstart");
    private readonly IMessageSink _diagnostics;
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private string? _published;

    public QuickStartBuild(IMessageSink diagnostics) => _diagnostics = diagnostics;

    public static string Project => Repository.PathOf("samples", "QuickStart", "QuickStart.csproj");

    public string ArtifactsPath => _temp.PathOf("artifacts");

    /// <summary>The output of <c>dotnet build</c>: <c>QuickStart</c> (the apphost) and <c>QuickStart.dll</c>.</summary>
    public string BuildOutput => Path.Combine(ArtifactsPath, "bin", "QuickStart", "debug");

    public async Task InitializeAsync()
    {
        await Dotnet.RunAsync(Repository.Root, ["build", Project, "--artifacts-path", ArtifactsPath], new DiagnosticLog(_diagnostics));
    }

    /// <summary>Publishes framework-dependent once (the first caller pays) and returns the publish folder.</summary>
    public async Task<string> PublishFrameworkDependentAsync(ITestOutputHelper log)
    {
        await _publishing.WaitAsync();
        try
        {
            if (_published is null)
            {
                string output = _temp.PathOf("publish");
                await Dotnet.RunAsync(Repository.Root, ["publish", Project, "--artifacts-path", ArtifactsPath, "-o", output], log);
                _published = output;
            }

            return _published;
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <summary>Publishes self-contained for this machine's runtime and returns the publish folder.</summary>
    public async Task<string> PublishSelfContainedAsync(ITestOutputHelper log)
    {
        string output = _temp.PathOf("self-contained");
        await Dotnet.RunAsync(
            Repository.Root,
            ["publish", Project, "--artifacts-path", ArtifactsPath, "-r", PortableRuntimeIdentifier(), "--self-contained", "-o", output],
            log);
        return output;
    }

    /// <summary>linux-x64 and the like: the runtime packs on NuGet are published for portable identifiers only.</summary>
    private static string PortableRuntimeIdentifier()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        return $"{os}-{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}";
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        _publishing.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Fixtures have no test output; their commands go to the runner's diagnostic messages.</summary>
    private sealed class DiagnosticLog(IMessageSink sink) : ITestOutputHelper
    {
        public void WriteLine(string message) => sink.OnMessage(new DiagnosticMessage(message));

        public void WriteLine(string format, params object[] args) => sink.OnMessage(new DiagnosticMessage(format, args));
    }
}

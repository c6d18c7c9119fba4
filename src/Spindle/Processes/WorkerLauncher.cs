using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Spindle.Interop;

namespace Spindle.Processes;

/// <summary>
/// Starts worker processes, however the app itself was started. The usual way runs <c>Spindle.Worker.dll</c>
/// (copied next to the app) under <c>dotnet exec</c> with the app's own runtimeconfig and deps file, so the worker
/// can load everything the app can: this covers <c>dotnet run</c>, <c>dotnet test</c>, an apphost,
/// <c>dotnet exec</c> and framework-dependent publish output. Self-contained and single-file apps have no
/// <c>dotnet</c> to run it with; they start themselves again and <see cref="WorkerHost.RunIfWorker"/> takes over.
/// </summary>
[UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Assembly.Location is empty for assemblies in a single-file bundle or loaded from memory; every use here checks for that (MethodTemplate refuses such a delegate with a ProcessBoundaryException naming it).")]
internal static class WorkerLauncher
{
    private const string WorkerHostFile = "Spindle.Worker.dll";

    private static readonly Lazy<LaunchCommand> Command = new(FindCommand);
    private static readonly BlockingCollection<LaunchRequest> Requests = new();
    private static readonly Lazy<Thread> LaunchThread = new(StartLaunchThread);

    /// <summary>How this app starts its workers (a description for errors and logs).</summary>
    public static string Describe() => Command.Value.Description;

    /// <summary>
    /// Starts a worker process with <paramref name="descriptors"/> placed at their numbers (its channel ends, its stderr
    /// pipe). Every launch happens on one thread that lives as long as this process: PR_SET_PDEATHSIG, which a worker
    /// arms, fires when the *thread* that started it exits.
    /// </summary>
    public static Task<SpawnedProcess> StartAsync(WorkerEnvironment worker, WorkerApp? app, (int Descriptor, int Number)[] descriptors)
    {
        LaunchCommand command = app is null ? Command.Value : CommandFor(app);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = (string?)entry.Value;
        }

        worker.WriteTo(environment);
        var request = new LaunchRequest(command, environment, descriptors);
        _ = LaunchThread.Value;
        Requests.Add(request);
        return request.Started.Task;
    }

    private static Thread StartLaunchThread()
    {
        var thread = new Thread(() =>
        {
            foreach (LaunchRequest request in Requests.GetConsumingEnumerable())
            {
                try
                {
                    request.Started.TrySetResult(SpawnedProcess.Start(request.Command.FileName, request.Command.Arguments, request.Environment, request.Descriptors));
                }
                catch (Exception e)
                {
                    // Whatever went wrong fails this start, never the launch thread (an exception there would end the app).
                    request.Started.TrySetException(new WorkerStartException($"Could not start a worker process with '{request.Command.FileName}': {e.Message}", null, string.Empty, e));
                }
            }
        })
        {
            IsBackground = true,
            Name = "Spindle worker launcher",
        };
        thread.Start();
        return thread;
    }

    private static LaunchCommand FindCommand()
    {
        string host = Path.Combine(AppContext.BaseDirectory, WorkerHostFile);
        string? runtimeConfig = FindRuntimeConfig(out string? depsFile);
        string? dotnet = FindDotnet();
        if (File.Exists(host) && runtimeConfig is not null && dotnet is not null)
        {
            var arguments = new List<string> { "exec", "--runtimeconfig", runtimeConfig };
            if (depsFile is not null)
            {
                arguments.AddRange(["--depsfile", depsFile]);
            }

            arguments.Add(host);
            return new LaunchCommand(dotnet, arguments, $"{dotnet} exec {host} (app: {runtimeConfig})");
        }

        if (WorkerHost.HookInstalled && Environment.ProcessPath is { } self)
        {
            // Started as `dotnet app.dll`: restarting `dotnet` alone would print its usage; run the app's entry assembly again.
            string? entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
            if (Path.GetFileNameWithoutExtension(self) == "dotnet" && !string.IsNullOrEmpty(entry))
            {
                var arguments = new List<string> { "exec" };
                if (runtimeConfig is not null)
                {
                    arguments.AddRange(["--runtimeconfig", runtimeConfig]);
                }

                if (depsFile is not null)
                {
                    arguments.AddRange(["--depsfile", depsFile]);
                }

                arguments.Add(entry);
                return new LaunchCommand(self, arguments, $"{self} exec {entry} (restarted as a worker via WorkerHost.RunIfWorker)");
            }

            return new LaunchCommand(self, [], $"{self} (restarted as a worker via WorkerHost.RunIfWorker)");
        }

        string missing = !File.Exists(host) ? $"'{host}' does not exist"
            : runtimeConfig is null ? "the app has no .runtimeconfig.json (self-contained or single-file?)"
            : "no 'dotnet' executable was found";
        throw new WorkerStartException(
            $"Spindle cannot start worker processes for this app: {missing}. " +
            "Either reference the Spindle package from the app project (it copies Spindle.Worker.dll next to the app), " +
            "or, for self-contained and single-file apps, call Spindle.WorkerHost.RunIfWorker() as the first line of Main.",
            null, string.Empty);
    }

    /// <summary>The command that starts a worker from another app's build (see <see cref="WorkerApp"/>).</summary>
    private static LaunchCommand CommandFor(WorkerApp app)
    {
        string host = Path.Combine(app.Directory, WorkerHostFile);
        string dotnet = FindDotnet() ?? throw new WorkerStartException($"No 'dotnet' executable was found to start workers from '{app.Directory}'.", null, string.Empty);
        if (!File.Exists(host))
        {
            throw new WorkerStartException($"'{host}' does not exist: the app's build must include Spindle.Worker.dll (it does when the app references the Spindle package).", null, string.Empty);
        }

        var arguments = new List<string> { "exec", "--runtimeconfig", Path.Combine(app.Directory, app.RuntimeConfig) };
        if (app.DepsFile is not null)
        {
            arguments.AddRange(["--depsfile", Path.Combine(app.Directory, app.DepsFile)]);
        }

        arguments.Add(host);
        return new LaunchCommand(dotnet, arguments, $"{dotnet} exec {host} (app: {app.RuntimeConfig} in {app.Directory})");
    }

    /// <summary>This app's runtimeconfig and deps file: what a cluster pool ships with its build.</summary>
    public static (string? RuntimeConfig, string? DepsFile) FindAppFiles() => (FindRuntimeConfig(out string? deps), deps);

    private static string? FindRuntimeConfig(out string? depsFile)
    {
        // The app's own deps file comes first in this list: under testhost it is the test assembly's, not testhost's.
        depsFile = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?
            .Split(';', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(File.Exists);
        string? candidate = depsFile is not null && depsFile.EndsWith(".deps.json", StringComparison.Ordinal)
            ? depsFile[..^".deps.json".Length] + ".runtimeconfig.json"
            : null;
        if (candidate is not null && File.Exists(candidate))
        {
            return candidate;
        }

        string? entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        candidate = string.IsNullOrEmpty(entry) ? null : Path.ChangeExtension(entry, ".runtimeconfig.json");
        return candidate is not null && File.Exists(candidate) ? candidate : null;
    }

    private static string? FindDotnet()
    {
        string executable = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } self && Path.GetFileName(self) == executable)
        {
            return self;
        }

        string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (fromSdk is not null && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        string runtime = RuntimeEnvironment.GetRuntimeDirectory();
        string root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        string candidate = Path.Combine(root, executable);
        return File.Exists(candidate) ? candidate : null;
    }

    private sealed record LaunchCommand(string FileName, IReadOnlyList<string> Arguments, string Description);

    private sealed record LaunchRequest(LaunchCommand Command, Dictionary<string, string?> Environment, (int Descriptor, int Number)[] Descriptors)
    {
        public TaskCompletionSource<SpawnedProcess> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

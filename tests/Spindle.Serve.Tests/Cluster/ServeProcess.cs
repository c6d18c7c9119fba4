using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Spindle.Cluster.Tests.Support;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Cluster;

/// <summary>
/// A real <c>spindle serve --cluster</c> process on a free port, against a test's <see cref="NatsServer"/>: the built
/// Spindle.Cli run with <c>dotnet</c> (the one the agents run, so the build it ships to them is small). Started with a
/// bounded wait for its address line; killed with SIGKILL by <see cref="KillAsync"/> or at the end.
/// </summary>
internal sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServeProcess(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliAssembly());
        start.ArgumentList.Add("serve");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Exited += (_, _) => _address.TrySetException(new InvalidOperationException($"spindle serve exited with {_process.ExitCode} before listening:\n{Output}"));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public HttpClient Client { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>spindle serve --cluster</c> on <paramref name="server"/>'s cluster <paramref name="cluster"/> and waits until it listens.</summary>
    public static async Task<ServeProcess> StartAsync(NatsServer server, string cluster, int workers = 4)
    {
        var serve = new ServeProcess(["--port", "0", "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cluster", server.Url, "--cluster-name", cluster, "--user", server.User, "--password", server.Password]);
        try
        {
            string address = await serve._address.Task.Within("spindle serve --cluster to listen");
            serve.Client = new HttpClient { BaseAddress = new Uri(address), Timeout = Bounded.Unexpected };
            return serve;
        }
        catch
        {
            await serve.DisposeAsync();
            throw;
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using HttpResponseMessage response = await Client.GetAsync(path).Within($"GET {path}");
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Posts a job and returns its id.</summary>
    public async Task<string> SubmitAsync(object job)
    {
        using HttpResponseMessage response = await Client.PostAsJsonAsync("/api/jobs", job).Within("POST /api/jobs");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"POST /api/jobs: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Polls the job until <paramref name="done"/> holds (bounded); returns it.</summary>
    public async Task<JsonElement> WaitForJobAsync(string id, Func<JsonElement, bool> done, string what)
    {
        JsonElement job = default;
        await Poll.UntilAsync(
            async () =>
            {
                job = await GetJsonAsync($"/api/jobs/{id}");
                return done(job);
            },
            $"job {id} {what}");
        return job;
    }

    /// <summary>The farm's pool as the Spindle dashboard at /pools shows it.</summary>
    public async Task<JsonElement> PoolAsync() =>
        (await GetJsonAsync("/pools/api/status")).GetProperty("pools").EnumerateArray().Single();

    /// <summary>The agent named <paramref name="name"/> on the pool dashboard, once <paramref name="condition"/> holds for it (bounded).</summary>
    public async Task<JsonElement> AgentAsync(string name, Func<JsonElement, bool> condition, string what)
    {
        JsonElement agent = default;
        await Poll.UntilAsync(
            async () =>
            {
                JsonElement pool = await PoolAsync();
                JsonElement? found = pool.GetProperty("agents").GetProperty("list").EnumerateArray()
                    .Where(a => a.GetProperty("name").GetString() == name).Select(a => (JsonElement?)a).FirstOrDefault();
                agent = found ?? default;
                return found is not null && condition(found.Value);
            },
            $"the dashboard to list agent {name} {what}");
        return agent;
    }

    /// <summary>SIGKILL: no goodbye, no cleanup; what JetStream holds is all that is left.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().Within("spindle serve to die");
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ListeningOn().Match(line) is { Success: true } match)
        {
            _address.TrySetResult(match.Groups[1].Value);
        }
    }

    /// <summary>The Spindle.Cli built with these tests (same configuration) in its own project folder, as the agents run it.</summary>
    private static string CliAssembly()
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0/
        DirectoryInfo? root = new(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Spindle.slnx")))
        {
            root = root.Parent;
        }

        string path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("The repository root (Spindle.slnx) was not found above the tests."),
            "src", "Spindle.Cli", "bin", configuration, "net10.0", "Spindle.Cli.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"spindle is not built at '{path}' (it is built with the tests).", path);
    }

    [GeneratedRegex(@"listening on (http://\S+?)/? ")]
    private static partial Regex ListeningOn();
}

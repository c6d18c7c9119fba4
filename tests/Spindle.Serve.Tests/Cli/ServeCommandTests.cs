using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Cli;

/// <summary><c>spindle serve</c> as a user runs it: a real child process, its output and exit code.</summary>
public sealed partial class ServeCommandTests
{
    [Fact]
    public async Task Serve_PortInUse_ExitsWithTheUsageCodeAndAMessageNamingPort()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        (int exitCode, string stdout, string stderr) = await RunToEndAsync("serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--workers", "1");

        Assert.Equal(2, exitCode);
        Assert.Contains("--port", stderr, StringComparison.Ordinal);
        Assert.Contains($"Port {port}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", stderr + stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_HostNotOnThisMachine_ExitsWithTheUsageCodeNamingHostWithoutAStackTrace()
    {
        // 192.0.2.1 is TEST-NET-1: a well-formed address no machine has, so binding it fails with EADDRNOTAVAIL.
        (int exitCode, string stdout, string stderr) = await RunToEndAsync("serve", "--host", "192.0.2.1", "--port", "0", "--workers", "1");

        Assert.True(exitCode == 2, $"exit {exitCode}\n{stdout}\n{stderr}");
        Assert.Contains("spindle serve: --host 192.0.2.1: cannot listen there (", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", stderr + stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--port", "-1")]
    [InlineData("--workers", "0")]
    [InlineData("--host", "not-an-address")]
    [InlineData("--max-queued-jobs", "0")]
    [InlineData("--port", "http")]
    [InlineData("--workers", "many")]
    [InlineData("--no-such-option", "1")]
    [InlineData("--cluster", "http://127.0.0.1:4222")]
    [InlineData("--cluster-name", "no spaces")]
    [InlineData("--token", "sign-in-without-a-cluster")]
    public async Task Serve_BadOption_ExitsWithTheUsageCodeNamingIt(string option, string value)
    {
        (int exitCode, _, string stderr) = await RunToEndAsync("serve", option, value);

        Assert.Equal(2, exitCode);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--cluster-name", "render")]
    [InlineData("--connect-timeout", "9")]
    [InlineData("--user", "someone")]
    public async Task Serve_ClusterOptionWithoutCluster_ExitsWithTheUsageCodeInsteadOfServingLocally(string option, string value)
    {
        // These mean nothing without --cluster: serving locally as if they were unsaid hides a mistake.
        (int exitCode, string stdout, string stderr) = await RunToEndAsync("serve", "--port", "0", "--workers", "1", option, value);

        Assert.True(exitCode == 2, $"exit {exitCode}\n{stdout}\n{stderr}");
        Assert.Contains($"{option} needs --cluster", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_InterruptedWhileConnectingToTheCluster_ExitsInterruptedAtOnce()
    {
        // A server that accepts the connection and never says a word: the sign-in waits for its greeting.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using Process serve = Start("serve", "--port", "0", "--workers", "1", "--cluster", $"nats://127.0.0.1:{port}", "--connect-timeout", "600");
        Task<string> stderr = serve.StandardError.ReadToEndAsync();
        try
        {
            using TcpClient accepted = await silent.AcceptTcpClientAsync().Within("spindle serve to connect to the cluster");
            await SignalAsync(serve.Id, "-INT");
            await serve.WaitForExitAsync().Within("spindle serve to stop on SIGINT while connecting");

            Assert.True(serve.ExitCode == 130, $"exit code {serve.ExitCode}\n{await stderr}");
            Assert.Contains("cancelled", await stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
                await serve.WaitForExitAsync().Within("spindle serve to be killed");
            }
        }
    }

    [Fact]
    public async Task Serve_ClusterNotReachable_ExitsWithTheFailureCodeNamingTheServer()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        (int exitCode, string stdout, string stderr) = await RunToEndAsync("serve", "--port", "0", "--cluster", $"nats://127.0.0.1:{port}");

        Assert.Equal(1, exitCode);
        Assert.Contains($"nats://127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", stderr + stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evil.example:80")]
    [InlineData("http://evil.example")]
    [InlineData("*.example")]
    public async Task Serve_AllowedHostNotAName_ExitsWithTheUsageCodeNamingIt(string value)
    {
        (int exitCode, string stdout, string stderr) = await RunToEndAsync("serve", "--allowed-host", value);
        (int usageExitCode, _, _) = await RunToEndAsync("serve", "--port", "-1");

        Assert.Equal(2, usageExitCode);
        Assert.Equal(usageExitCode, exitCode);
        Assert.Contains($"--allowed-host '{value}' is not a host name", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", stderr + stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_Help_ShowsAllowedHost()
    {
        (int exitCode, string stdout, _) = await RunToEndAsync("serve", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("--allowed-host <NAME>", stdout, StringComparison.Ordinal);
        Assert.Contains("DNS rebinding", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_AllowedHost_ServesThatName_RefusesOthers()
    {
        using Process serve = Start("serve", "--port", "0", "--workers", "1", "--allowed-host", "spindle.test", "--allowed-host", "farm.test");
        try
        {
            string address = await AddressAsync(serve);
            int port = new Uri(address).Port;
            using var client = new HttpClient { Timeout = Bounded.Unexpected };
            foreach ((string host, HttpStatusCode expected) in new[] { ("spindle.test", HttpStatusCode.OK), ("farm.test", HttpStatusCode.OK), ("evil.example", HttpStatusCode.BadRequest) })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, address + "/api/status");
                request.Headers.Host = $"{host}:{port}";
                using HttpResponseMessage response = await client.SendAsync(request).Within($"GET /api/status as {host}");
                Assert.Equal(expected, response.StatusCode);
            }
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync().Within("spindle serve to be killed");
        }
    }

    [Fact]
    public async Task Serve_PortZero_PrintsTheAddressAndServes_SigtermStopsItAndItsWorkers()
    {
        using Process serve = Start("serve", "--port", "0", "--workers", "1");
        try
        {
            string? address = null;
            while (address is null)
            {
                string? line = await serve.StandardOutput.ReadLineAsync().Within("the address line");
                Assert.NotNull(line);
                address = ListeningOn().Match(line) is { Success: true } m ? m.Groups[1].Value : null;
            }

            using var client = new HttpClient { Timeout = Bounded.Unexpected };
            string page = await client.GetStringAsync(address).Within("the dashboard");
            Assert.Contains("Spindle", page, StringComparison.Ordinal);
            string status = await client.GetStringAsync(address + "/pools/api/status").Within("the pool's status");
            int worker = System.Text.Json.JsonDocument.Parse(status).RootElement.GetProperty("pools")[0].GetProperty("workers")[0].GetProperty("pid").GetInt32();
            using Process workerProcess = Process.GetProcessById(worker);

            using (Process signal = Process.Start("kill", ["-TERM", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await signal.WaitForExitAsync().Within("kill -TERM");
            }

            await serve.WaitForExitAsync().Within("spindle serve to stop on SIGTERM");
            Assert.Equal(0, serve.ExitCode);
            Assert.Contains("stopping", await serve.StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);
            await workerProcess.WaitForExitAsync().Within("its worker to exit");
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
                await serve.WaitForExitAsync().Within("spindle serve to be killed");
            }
        }
    }

    [Fact]
    public async Task Serve_SigtermWhileASlowClientIsMidRequest_CancelsTheJobStopsItsWorkersLeavesNoRunFolderExitsZero()
    {
        // The server's own temp folder, so the run folder its job makes can be looked for after it exits.
        DirectoryInfo temp = Directory.CreateTempSubdirectory("spindle-serve-stop-");
        using Process serve = Start(new Dictionary<string, string> { ["TMPDIR"] = temp.FullName }, "serve", "--port", "0", "--workers", "2");
        using var slowClient = new TcpClient();
        try
        {
            var address = new Uri(await AddressAsync(serve));
            using var client = new HttpClient { BaseAddress = address, Timeout = Bounded.Unexpected };

            // A job far longer than the test: it is rendering when the signal comes.
            using (HttpResponseMessage submitted = await client.PostAsJsonAsync("/api/jobs", new { frames = 600, width = 320, height = 240 }).Within("POST /api/jobs"))
            {
                Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
            }

            await Poll.UntilAsync(() => Task.FromResult(temp.GetDirectories("spindle-render-*").Length > 0), "the job's run folder to appear");
            int[] workers = [.. (await client.GetFromJsonAsync<JsonElement>("/pools/api/status").Within("the pool's status"))
                .GetProperty("pools")[0].GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("pid").GetInt32())];
            Assert.NotEmpty(workers);

            // A client that sends a POST's headers and the start of its body, then nothing more.
            long requestsBefore = await RequestsAsync(client);
            await slowClient.ConnectAsync(address.Host, address.Port).Within("the slow client to connect");
            byte[] head = Encoding.ASCII.GetBytes($"POST /api/jobs HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"fra");
            await slowClient.GetStream().WriteAsync(head).AsTask().Within("the slow client's first bytes");

            // The server counts a request once its headers are in: then it is mid-request, waiting for the body.
            long polls = 0;
            await Poll.UntilAsync(async () => await RequestsAsync(client) > requestsBefore + ++polls, "the server to count the slow request");

            await SignalAsync(serve.Id, "-TERM");
            await serve.WaitForExitAsync().Within("spindle serve to stop on SIGTERM");

            Assert.True(serve.ExitCode == 0, $"exit code {serve.ExitCode}\n{await serve.StandardError.ReadToEndAsync()}");
            Assert.All(workers, pid => Assert.False(IsRunning(pid), $"worker {pid} outlived the server"));
            Assert.Empty(temp.GetDirectories("spindle-render-*"));
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
                await serve.WaitForExitAsync().Within("spindle serve to be killed");
            }

            temp.Delete(recursive: true);
        }
    }

    private static async Task<long> RequestsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/status").Within("GET /api/status")).GetProperty("server").GetProperty("requests").GetInt64();

    private static async Task SignalAsync(int pid, string signal)
    {
        using Process kill = Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().Within($"kill {signal}");
    }

    /// <summary>Whether the process is alive: not gone, and not a zombie its parent has yet to reap.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<string> AddressAsync(Process serve)
    {
        while (true)
        {
            string? line = await serve.StandardOutput.ReadLineAsync().Within("the address line");
            Assert.NotNull(line);
            if (ListeningOn().Match(line) is { Success: true } m)
            {
                return m.Groups[1].Value;
            }
        }
    }

    private static Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    private static Process Start(Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Spindle.Cli.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunToEndAsync(params string[] args)
    {
        using Process process = Start(args);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().Within($"spindle {string.Join(' ', args)} to exit");
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex(@"listening on (http://\S+?)/? ")]
    private static partial Regex ListeningOn();
}

using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Samples.Tests.Hosting;

/// <summary>samples/MinimalApi as a user runs it: a real web server on a free loopback port, real requests, SIGTERM.</summary>
public sealed partial class MinimalApiTests
{
    [Fact]
    public async Task Render_RunsInAWorkerProcess_BadSizeIs400NamingIt_HealthzIsHealthy_SigtermStopsItAndItsWorkers()
    {
        await using RunningProgram server = RunningProgram.StartSample("MinimalApi", "--urls", "http://127.0.0.1:0");
        string address = (await server.WaitForLineAsync(ListeningOn(), "the address it listens on")).Groups[1].Value;
        using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = Timeouts.ProgramRun };

        using JsonDocument render = JsonDocument.Parse(await client.GetStringAsync("/render/40"));
        using HttpResponseMessage bad = await client.GetAsync("/render/0");
        string badBody = await bad.Content.ReadAsStringAsync();
        using HttpResponseMessage health = await client.GetAsync("/healthz");
        string healthBody = await health.Content.ReadAsStringAsync();
        int workerPid = render.RootElement.GetProperty("workerProcessId").GetInt32();
        using Process worker = Process.GetProcessById(workerPid);
        int exitCode = await server.StopAsync();

        Assert.Equal(40, render.RootElement.GetProperty("size").GetInt32());
        Assert.Equal(20, render.RootElement.GetProperty("rows").GetArrayLength());
        Assert.All(render.RootElement.GetProperty("rows").EnumerateArray(), row => Assert.Equal(40, row.GetString()!.Length));
        Assert.NotEqual(server.ProcessId, workerPid);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("size must be between 1 and 400 (was 0)", badBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", healthBody);
        Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{server.Transcript()}");
        Assert.True(worker.HasExited, $"worker process {workerPid} outlived the server");
        Assert.DoesNotContain(server.Output, line => line.Contains("Activity.TraceId", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TelemetryConsole_PrintsTheRequestsSpans()
    {
        await using RunningProgram server = RunningProgram.StartSample("MinimalApi", "--urls", "http://127.0.0.1:0", "--Telemetry:Console=true");
        string address = (await server.WaitForLineAsync(ListeningOn(), "the address it listens on")).Groups[1].Value;
        using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = Timeouts.ProgramRun };

        using HttpResponseMessage health = await client.GetAsync("/healthz");
        await server.WaitForLineAsync(SpanOfHealthz(), "the console exporter's span of GET /healthz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task TelemetryConsole_OneTrace_RequestSpan_PoolCallSpan_WorkerRunSpanInTheWorkerProcess()
    {
        await using RunningProgram server = RunningProgram.StartSample("MinimalApi", "--urls", "http://127.0.0.1:0", "--Telemetry:Console=true");
        string address = (await server.WaitForLineAsync(ListeningOn(), "the address it listens on")).Groups[1].Value;
        using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = Timeouts.ProgramRun };

        using JsonDocument render = JsonDocument.Parse(await client.GetStringAsync("/render/40"));
        await server.WaitForLineAsync(SpanOfRender(), "the console exporter's span of GET /render/{size:int}");
        int workerPid = render.RootElement.GetProperty("workerProcessId").GetInt32();
        IReadOnlyList<ExportedSpan> spans = ExportedSpan.Parse(server.Output);
        Assert.Equal(0, await server.StopAsync());

        ExportedSpan request = Assert.Single(spans, s => s.Name == "GET /render/{size:int}");
        ExportedSpan call = Assert.Single(spans, s => s.Name == "spindle.call");
        ExportedSpan run = Assert.Single(spans, s => s.Name == "spindle.worker.run");
        Assert.Equal(request.TraceId, call.TraceId);
        Assert.Equal(request.TraceId, run.TraceId);
        Assert.Equal(request.SpanId, call.ParentSpanId);
        Assert.Equal(call.SpanId, run.ParentSpanId);
        Assert.Contains($"process.pid: {workerPid}", run.Lines);
        Assert.NotEqual(server.ProcessId, workerPid);
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();

    [GeneratedRegex(@"Activity\.DisplayName:\s+GET /render/\{size:int\}")]
    private static partial Regex SpanOfRender();

    [GeneratedRegex(@"Activity\.DisplayName:\s+GET /healthz")]
    private static partial Regex SpanOfHealthz();

    /// <summary>A span as OpenTelemetry's console exporter prints it: a block of lines from "Activity.TraceId:" on.</summary>
    private sealed record ExportedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyList<string> Lines)
    {
        public static IReadOnlyList<ExportedSpan> Parse(IReadOnlyList<string> output)
        {
            var spans = new List<ExportedSpan>();
            List<string>? block = null;
            foreach (string raw in output.Append("Activity.TraceId: end"))
            {
                string line = raw.Trim();
                if (line.StartsWith("Activity.TraceId:", StringComparison.Ordinal))
                {
                    if (block is not null)
                    {
                        spans.Add(new ExportedSpan(Field(block, "TraceId"), Field(block, "SpanId"), Field(block, "ParentSpanId"), Field(block, "DisplayName"), block));
                    }

                    block = [];
                }

                block?.Add(line);
            }

            return spans;
        }

        private static string Field(List<string> block, string name) =>
            block.FirstOrDefault(l => l.StartsWith($"Activity.{name}:", StringComparison.Ordinal)) is { } line
                ? line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()
                : "";
    }
}

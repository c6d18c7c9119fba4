using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Telemetry.Tests;

/// <summary>
/// A web request served by ASP.NET Core in this process, whose handler runs work in a pool's worker process: the
/// request's span, the call's span, the worker's run span and the span user code starts there form one trace.
/// </summary>
public class AspNetCoreTracingTests
{
    private static readonly ActivitySource UserSource = new("Test.UserSource");

    [Fact]
    public async Task Request_HandlerRunsWorkInAWorkerProcess_RequestCallAndWorkerSpansInOneTrace()
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder()
            .AddAspNetCoreInstrumentation()
            .AddSource(SpindleTelemetry.ActivitySourceName, UserSource.Name)
            .AddInMemoryExporter(exported)
            .Build();
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.Name = "web");

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using WebApplication app = builder.Build();
        app.MapGet("/square/{x:int}", (int x) => pool.RunAsync(static n =>
        {
            using Activity? inner = UserSource.StartActivity("square in the worker");
            return n * n;
        }, x));
        await app.StartAsync().Within("the web app's start");
        try
        {
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = Bounded.Unexpected };

            string body = await client.GetStringAsync("/square/12").Within("the request");

            Assert.Equal("144", body);
        }
        finally
        {
            await app.StopAsync().Within("the web app's stop");
        }

        // The request's span ends once the response is written, perhaps after the client has read it.
        Activity[] spans = [];
        await Bounded.Eventually(
            () => (spans = [.. exported.ToArray()]).Any(a => a.Kind == ActivityKind.Server && a.Source.Name == "Microsoft.AspNetCore"),
            "the request's span is exported");
        Activity request = Assert.Single(spans, a => a.Kind == ActivityKind.Server && a.Source.Name == "Microsoft.AspNetCore");
        Activity[] trace = [.. spans.Where(a => a.TraceId == request.TraceId)];
        Activity call = Assert.Single(trace, a => a.OperationName == SpindleTelemetry.CallSpanName);
        Activity run = Assert.Single(trace, a => a.OperationName == SpindleTelemetry.WorkerRunSpanName);
        Activity user = Assert.Single(trace, a => a.OperationName == "square in the worker");

        Assert.Equal(request.SpanId, call.ParentSpanId);
        Assert.Equal("web", call.GetTagItem("spindle.pool"));
        Assert.Equal(call.SpanId, run.ParentSpanId);
        Assert.NotEqual((long)Environment.ProcessId, run.GetTagItem("process.pid"));
        Assert.Equal(run.SpanId, user.ParentSpanId);
    }
}

using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Telemetry;

/// <summary>With thread isolation the call's span is a child of the caller's activity, and the delegate runs under it.</summary>
[Collection(TelemetryCollection.Name)]
public class ThreadTracingTests
{
    private static readonly ActivitySource UserSource = ProcessTracingTests.UserSource;

    [Fact]
    public async Task RunAsync_TracedCaller_DelegateRunsUnderTheCallSpanAndItsSpansAreChildren()
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(SpindleTelemetry.ActivitySourceName, UserSource.Name).AddInMemoryExporter(exported).Build();
        await using WorkerPool pool = TestPools.Thread(workers: 2, o => o.Name = "traced-thread");

        ActivityContext parent;
        string? currentInside;
        using (Activity test = UserSource.StartActivity("test parent")!)
        {
            parent = test.Context;
            currentInside = await pool.RunAsync(static () =>
            {
                string? current = Activity.Current?.SpanId.ToHexString();
                using Activity? inner = UserSource.StartActivity("user work on the worker thread");
                return current;
            }).Within("the traced call");

            // The caller's own current activity is untouched by the call.
            Assert.Same(test, Activity.Current);
        }

        Activity call = Assert.Single(exported, a => a.TraceId == parent.TraceId && a.OperationName == SpindleTelemetry.CallSpanName);
        Activity user = Assert.Single(exported, a => a.TraceId == parent.TraceId && a.OperationName == "user work on the worker thread");
        Assert.Equal(parent.SpanId, call.ParentSpanId);
        Assert.Equal(ActivityKind.Internal, call.Kind);
        Assert.Equal("thread", call.GetTagItem("spindle.isolation"));
        Assert.Equal("traced-thread", call.GetTagItem("spindle.pool"));
        Assert.Equal("ok", call.GetTagItem("spindle.outcome"));
        Assert.Equal(call.SpanId.ToHexString(), currentInside);
        Assert.Equal(call.SpanId, user.ParentSpanId);
    }

    [Fact]
    public async Task RunAsync_DelegateThrows_CallSpanHasStatusErrorWithTheExceptionType()
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(SpindleTelemetry.ActivitySourceName).AddInMemoryExporter(exported).Build();
        await using WorkerPool pool = TestPools.Thread(workers: 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.RunAsync(static () => throw new InvalidOperationException("no")).Within("the failing call"));

        Activity call = Assert.Single(exported, a => a.OperationName == SpindleTelemetry.CallSpanName);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, call.GetTagItem("error.type"));
    }

    [Fact]
    public async Task RunAsync_NobodyListens_DelegateSeesTheCallersActivityAndNoSpanIsMade()
    {
        Assert.False(SpindleTelemetry.Source.HasListeners());
        await using WorkerPool pool = TestPools.Thread(workers: 1);
        using var caller = new Activity("caller's operation");
        caller.SetIdFormat(ActivityIdFormat.W3C);
        caller.Start();

        string? seen = await pool.RunAsync(static () => Activity.Current?.Id).Within("the call");

        Assert.Equal(caller.Id, seen);
    }
}

using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Telemetry;

/// <summary>
/// With process isolation a call's trace crosses into the worker process and back: the caller's span, the worker's run
/// span (a child of it, with the real worker's pid) and the spans user code starts in the worker, all exported by the
/// OpenTelemetry SDK configured in this (the parent) process.
/// </summary>
[Collection(TelemetryCollection.Name)]
public class ProcessTracingTests
{
    internal static readonly ActivitySource UserSource = new("Test.UserSource");

    [Fact]
    public async Task RunAsync_AnActivityListenerThatThrowsWhenSpansStop_DoesNotEndTheProcessOrTheCall()
    {
        // The listener's exception came out of the span's Stop on the pool's reader thread and ended the process.
        using var throwing = new ActivityListener
        {
            ShouldListenTo = static source => source.Name is SpindleTelemetry.ActivitySourceName or "Test.UserSource",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = static activity => throw new InvalidOperationException($"a listener of the app's fails on {activity.OperationName}"),
        };
        ActivitySource.AddActivityListener(throwing);
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.Name = "listener-throws");
        Assert.Equal(42, await pool.RunAsync(static () =>
        {
            using Activity? inner = UserSource.StartActivity("user work in the worker");
            return 42;
        }).Within("a call while the listener throws"));
        Assert.Equal(43, await pool.RunAsync(static () => 43).Within("the next call"));

        await using WorkerPool threads = TestPools.Thread(workers: 1, o => o.Name = "listener-throws-threads");
        Assert.Equal(44, await threads.RunAsync(static () => 44).Within("a call on a worker thread while the listener throws"));
    }

    [Fact]
    public async Task RunAsync_TracedCaller_OneTraceFromTheCallerThroughTheWorkerToUserCodeThere()
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(SpindleTelemetry.ActivitySourceName, UserSource.Name).AddInMemoryExporter(exported).Build();
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.Name = "traced-process");
        await pool.WarmUpAsync().Within("warm-up");

        int workerPid;
        ActivityContext parent;
        using (Activity test = UserSource.StartActivity("test parent")!)
        {
            parent = test.Context;
            workerPid = await pool.RunAsync(static () =>
            {
                using Activity? inner = UserSource.StartActivity("user work in the worker");
                inner?.SetTag("answer", 42);
                inner?.AddEvent(new ActivityEvent("halfway"));
                return Environment.ProcessId;
            }).Within("the traced call");
        }

        Activity[] trace = [.. exported.Where(a => a.TraceId == parent.TraceId)];
        Activity call = Assert.Single(trace, a => a.OperationName == SpindleTelemetry.CallSpanName);
        Activity run = Assert.Single(trace, a => a.OperationName == SpindleTelemetry.WorkerRunSpanName);
        Activity user = Assert.Single(trace, a => a.OperationName == "user work in the worker");

        Assert.Equal(parent.SpanId, call.ParentSpanId);
        Assert.Equal(ActivityKind.Client, call.Kind);
        Assert.Equal("traced-process", call.GetTagItem("spindle.pool"));
        Assert.Equal("process", call.GetTagItem("spindle.isolation"));
        Assert.Equal("ok", call.GetTagItem("spindle.outcome"));
        Assert.Equal(1, call.GetTagItem("spindle.call.attempt"));
        Assert.Equal(workerPid, call.GetTagItem("spindle.worker.id"));
        Assert.Contains(call.Events, e => e.Name == "spindle.call.dispatched");
        Assert.Contains("ProcessTracingTests", (string)call.GetTagItem("code.function.name")!, StringComparison.Ordinal);

        Assert.NotEqual(Environment.ProcessId, workerPid);
        Assert.Equal(call.SpanId, run.ParentSpanId);
        Assert.Equal(ActivityKind.Server, run.Kind);
        Assert.Equal((long)workerPid, run.GetTagItem("process.pid"));

        Assert.Equal(run.SpanId, user.ParentSpanId);
        Assert.Equal(UserSource.Name, user.Source.Name);
        Assert.Equal(42L, user.GetTagItem("answer"));
        Assert.Contains(user.Events, e => e.Name == "halfway");

        // The worker's times are kept: its spans lie within the caller's.
        Assert.InRange(run.StartTimeUtc, call.StartTimeUtc, call.StartTimeUtc + call.Duration);
        Assert.InRange(user.StartTimeUtc, run.StartTimeUtc, run.StartTimeUtc + run.Duration);
    }

    [Fact]
    public async Task RunAsync_CallThrowsInTheWorker_CallAndRunSpansHaveStatusError()
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(SpindleTelemetry.ActivitySourceName, UserSource.Name).AddInMemoryExporter(exported).Build();
        await using WorkerPool pool = TestPools.Process(workers: 1);
        using Activity test = UserSource.StartActivity("test parent")!;

        await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(static () => throw new FormatException("bad input")).Within("the failing call"));

        Activity call = Assert.Single(exported, a => a.TraceId == test.TraceId && a.OperationName == SpindleTelemetry.CallSpanName);
        Activity run = Assert.Single(exported, a => a.TraceId == test.TraceId && a.OperationName == SpindleTelemetry.WorkerRunSpanName);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal(typeof(FormatException).FullName, call.GetTagItem("error.type"));
        Assert.Equal("failed", call.GetTagItem("spindle.outcome"));
        Assert.Equal(ActivityStatusCode.Error, run.Status);
        Assert.Equal(typeof(FormatException).FullName, run.GetTagItem("error.type"));
    }

    [Fact]
    public async Task RunAsync_WorkerCrashes_CallSpanRecordsTheCrash()
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(SpindleTelemetry.ActivitySourceName, UserSource.Name).AddInMemoryExporter(exported).Build();
        await using WorkerPool pool = TestPools.Process(workers: 1);
        using Activity test = UserSource.StartActivity("test parent")!;

        // A real death: the worker kills itself with SIGKILL in the middle of the call.
        await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(static () => Process.GetCurrentProcess().Kill()).Within("the crashing call"));

        Activity call = Assert.Single(exported, a => a.TraceId == test.TraceId && a.OperationName == SpindleTelemetry.CallSpanName);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal("crashed", call.GetTagItem("spindle.outcome"));
        Assert.Equal(typeof(WorkerCrashedException).FullName, call.GetTagItem("error.type"));
        Assert.Contains(call.Events, e => e.Name == "exception");
        Assert.DoesNotContain(exported, a => a.OperationName == SpindleTelemetry.WorkerRunSpanName);
    }

    [Fact]
    public async Task RunAsync_WorkerCrashesThenTheRetrySucceeds_OneCallSpanWithTwoDispatchesAndAttemptTwo()
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(SpindleTelemetry.ActivitySourceName, UserSource.Name).AddInMemoryExporter(exported).Build();
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.RetriesOnCrash = 1);
        string marker = Path.Combine(Path.GetTempPath(), $"spindle-retry-{Guid.NewGuid():N}");
        using Activity test = UserSource.StartActivity("test parent")!;
        try
        {
            // The first attempt leaves a mark and dies by SIGKILL; the retry finds the mark and returns.
            int pid = await pool.RunAsync(static path =>
            {
                if (!File.Exists(path))
                {
                    File.WriteAllText(path, "crashed once");
                    Process.GetCurrentProcess().Kill();
                }

                return Environment.ProcessId;
            }, marker).Within("the retried call");

            Activity call = Assert.Single(exported, a => a.TraceId == test.TraceId && a.OperationName == SpindleTelemetry.CallSpanName);
            Assert.Equal("ok", call.GetTagItem("spindle.outcome"));
            Assert.Equal(2, call.GetTagItem("spindle.call.attempt"));
            Assert.Equal(pid, call.GetTagItem("spindle.worker.id"));
            Assert.Equal([1, 2], call.Events.Where(e => e.Name == "spindle.call.dispatched").Select(e => e.Tags.First(t => t.Key == "spindle.call.attempt").Value));
            Activity run = Assert.Single(exported, a => a.TraceId == test.TraceId && a.OperationName == SpindleTelemetry.WorkerRunSpanName);
            Assert.Equal((long)pid, run.GetTagItem("process.pid"));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task RunAsync_ManySpansInTheWorker_AtMostTheBoundComeBackAndTheRestAreCounted()
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(SpindleTelemetry.ActivitySourceName, UserSource.Name).AddInMemoryExporter(exported).Build();
        await using WorkerPool pool = TestPools.Process(workers: 1);
        using Activity test = UserSource.StartActivity("test parent")!;

        await pool.RunAsync(static () =>
        {
            for (int i = 0; i < 300; i++)
            {
                using Activity? step = UserSource.StartActivity("step");
            }
        }).Within("the call with 300 spans");

        Activity[] fromWorker = [.. exported.Where(a => a.TraceId == test.TraceId && a.OperationName != SpindleTelemetry.CallSpanName)];
        Assert.Equal(SpindleTelemetry.MaxWorkerSpansPerCall, fromWorker.Length);
        Activity run = Assert.Single(fromWorker, a => a.OperationName == SpindleTelemetry.WorkerRunSpanName);
        Assert.Equal(300L - (SpindleTelemetry.MaxWorkerSpansPerCall - 1), run.GetTagItem("spindle.spans.dropped"));
        Assert.All(fromWorker.Where(a => a != run), a => Assert.Equal(run.SpanId, a.ParentSpanId));
    }

    [Fact]
    public async Task RunAsync_NobodyListensToSpindle_NoSpanAndTheWorkerGetsNoTraceContext()
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(UserSource.Name).AddInMemoryExporter(exported).Build();
        await using WorkerPool pool = TestPools.Process(workers: 1);
        using Activity test = UserSource.StartActivity("test parent")!;

        // Without a trace header the worker starts no run span, so user code there has no current activity.
        string? currentInWorker = await pool.RunAsync(static () => Activity.Current?.Id).Within("the untraced call");

        Assert.Null(currentInWorker);
        Assert.DoesNotContain(exported, a => a.Source.Name == SpindleTelemetry.ActivitySourceName);
        Assert.False(SpindleTelemetry.Source.HasListeners());
    }
}

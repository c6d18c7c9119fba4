using OpenTelemetry.Trace;
using MinimalApi;
using Spindle;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Services.AddWorkerPool("render");    // options from appsettings.json, Spindle:Pools:render
builder.Services.AddHealthChecks().AddWorkerPoolHealthCheck();
builder.Services.AddOpenTelemetry().WithTracing(tracing =>
{
    tracing.AddAspNetCoreInstrumentation().AddSource("Spindle");
    if (builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is not null)
    {
        tracing.AddOtlpExporter();
    }

    if (builder.Configuration.GetValue<bool>("Telemetry:Console"))
    {
        tracing.AddConsoleExporter();
    }
});

WebApplication app = builder.Build();

// Each request runs on a thread-pool thread; the CPU work runs in a worker process, so a crash there fails one request.
app.MapGet("/render/{size:int}", async (int size, [FromKeyedServices("render")] WorkerPool pool, CancellationToken cancellationToken) =>
    size is < 1 or > Mandelbrot.MaxSize
        ? Results.Problem($"size must be between 1 and {Mandelbrot.MaxSize} (was {size}).", statusCode: StatusCodes.Status400BadRequest)
        : Results.Ok(await pool.RunAsync(Mandelbrot.Render, size, cancellationToken)));
app.MapHealthChecks("/healthz");
app.Run();

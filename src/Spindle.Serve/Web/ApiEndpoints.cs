using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spindle.AspNetCore.Web;
using Spindle.Serve.Jobs;
using Spindle.Serve.Status;

namespace Spindle.Serve.Web;

/// <summary>The JSON API under <c>/api</c>. Bad input gets 400 naming the field; the server keeps serving.</summary>
internal static class ApiEndpoints
{
    public static void Map(IEndpointRouteBuilder app, JobRegistry jobs, StatusMonitor status)
    {
        app.MapPost("/api/jobs", (HttpRequest request) => SubmitAsync(request, jobs));
        app.MapGet("/api/jobs", () => Json(jobs.Newest(int.MaxValue).Select(j => j.View())));
        app.MapGet("/api/jobs/{id}", (string id) => jobs.Find(id) is { } job ? Json(job.View()) : UnknownJob(id));
        app.MapGet("/api/jobs/{id}/result", (string id, HttpContext context) => ResultAsync(jobs, jobs.Find(id), id, context.RequestAborted));
        app.MapGet("/api/status", () => Json(status.Snapshot()));
    }

    /// <summary>Starts a job from a validated request, or explains why not.</summary>
    public static async Task<IResult> StartAsync(JobRegistry jobs, JobRequest request, Func<RenderJob, IResult> accepted, CancellationToken cancellationToken)
    {
        try
        {
            return accepted(await jobs.SubmitAsync(request.Validated(), cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidJobException e)
        {
            return ApiError.Result(StatusCodes.Status400BadRequest, e.Message, e.Field);
        }
        catch (JobQueueFullException e)
        {
            return ApiError.Result(StatusCodes.Status503ServiceUnavailable, e.Message);
        }
        catch (ObjectDisposedException e) when (e.ObjectName == nameof(JobRegistry))
        {
            // A request that was still arriving when the server began to stop: the farm takes no more jobs.
            return ApiError.Result(StatusCodes.Status503ServiceUnavailable, e.Message);
        }
        catch (Exception e) when (jobs.Store.Durable && e is SpindleException or NATS.Client.Core.NatsException or TimeoutException)
        {
            return ApiError.Result(StatusCodes.Status503ServiceUnavailable, $"The job was not started: it could not be kept in JetStream ({e.Message}). Try again.");
        }
    }

    private static IResult Json<T>(T value) => Results.Json(value, ServeJson.Options);

    private static async Task<IResult> SubmitAsync(HttpRequest httpRequest, JobRegistry jobs)
    {
        if (!httpRequest.HasJsonContentType())
        {
            return ApiError.Result(StatusCodes.Status415UnsupportedMediaType, "Send the job as JSON with Content-Type: application/json, for example {\"frames\":24,\"width\":160,\"height\":120}.");
        }

        JobRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<JobRequest>(httpRequest.Body, ServeJson.Options, httpRequest.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            string? field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            return ApiError.Result(StatusCodes.Status400BadRequest, $"Malformed JSON: {e.Message}", field);
        }

        if (request is null)
        {
            return ApiError.Result(StatusCodes.Status400BadRequest, "The body must be a JSON object such as {\"frames\":24,\"width\":160,\"height\":120}.");
        }

        return await StartAsync(jobs, request, job => Results.Json(job.View(), ServeJson.Options, statusCode: StatusCodes.Status201Created), httpRequest.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    private static IResult UnknownJob(string id) => ApiError.Result(StatusCodes.Status404NotFound, $"No job with id '{id}' (it never existed, or it finished long ago and was forgotten).");

    private static async Task<IResult> ResultAsync(JobRegistry jobs, RenderJob? job, string id, CancellationToken cancellationToken) => job switch
    {
        null => UnknownJob(id),
        { State: JobState.Done } => await jobs.ResultAsync(job, cancellationToken).ConfigureAwait(false) is { } apng
            ? Results.File(apng, "image/apng", $"spindle-job-{id}.png")
            : ApiError.Result(StatusCodes.Status410Gone, $"Job {id} is done, but its animation is no longer in the store."),
        { State: JobState.Failed } => ApiError.Result(StatusCodes.Status409Conflict, $"Job {id} failed, so it has no result: {job.Error}"),
        _ => ApiError.Result(StatusCodes.Status409Conflict, $"Job {id} is not done yet ({job.State.ToString().ToLowerInvariant()}): try again when its state is 'done'."),
    };
}

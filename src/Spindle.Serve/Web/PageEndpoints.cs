using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Spindle.AspNetCore.Web;
using Spindle.Serve.Jobs;

namespace Spindle.Serve.Web;

/// <summary>The HTML side: the dashboard, the job form (a plain POST that redirects), job pages and the embedded assets.</summary>
internal static class PageEndpoints
{
    private static readonly string[] FormFields = ["frames", "width", "height", "scene", "crashFrame"];

    public static void Map(IEndpointRouteBuilder app, JobRegistry jobs)
    {
        app.MapGet("/", () => Html(HtmlPages.Dashboard(jobs.Store)));
        app.MapGet("/jobs/{id}", (string id) => jobs.Find(id) is { } job
            ? Html(HtmlPages.Job(job.View()))
            : Html(HtmlPages.Message("No such job", $"There is no job '{id}'."), StatusCodes.Status404NotFound));
        app.MapPost("/jobs", (HttpRequest request) => SubmitFormAsync(request, jobs));
        app.MapGet("/assets/{name}", (HttpContext context) => DashboardEndpoints.Asset(context, HtmlPages.Assets));
    }

    private static IResult Html(string html, int statusCode = StatusCodes.Status200OK) =>
        Results.Content(html, "text/html; charset=utf-8", statusCode: statusCode);

    private static async Task<IResult> SubmitFormAsync(HttpRequest httpRequest, JobRegistry jobs)
    {
        if (!httpRequest.HasFormContentType)
        {
            return Html(HtmlPages.Message("Not a form", "POST /jobs takes the dashboard's form; the JSON API is POST /api/jobs."), StatusCodes.Status415UnsupportedMediaType);
        }

        IFormCollection form = await httpRequest.ReadFormAsync(httpRequest.HttpContext.RequestAborted).ConfigureAwait(false);
        if (form.Keys.FirstOrDefault(k => !FormFields.Contains(k, StringComparer.Ordinal)) is { } unknown)
        {
            return Html(HtmlPages.Message("Bad request", $"Unknown field '{unknown}'."), StatusCodes.Status400BadRequest);
        }

        JobRequest request;
        try
        {
            request = new JobRequest(
                Frames: Integer(form, "frames") ?? JobLimits.DefaultFrames,
                Width: Integer(form, "width") ?? JobLimits.DefaultWidth,
                Height: Integer(form, "height") ?? JobLimits.DefaultHeight,
                Scene: form["scene"].FirstOrDefault() is { Length: > 0 } scene ? scene : null,
                CrashFrame: Integer(form, "crashFrame"));
        }
        catch (FormatException e)
        {
            return Html(HtmlPages.Message("Bad request", e.Message), StatusCodes.Status400BadRequest);
        }

        IResult outcome = await ApiEndpoints.StartAsync(jobs, request, job => new SeeOther(job.View().Url), httpRequest.HttpContext.RequestAborted).ConfigureAwait(false);
        return outcome is JsonHttpResult<ApiError> { Value: { } error } refused
            ? Html(HtmlPages.Message("The job was not started", error.Error), refused.StatusCode ?? StatusCodes.Status400BadRequest)
            : outcome;
    }

    private static int? Integer(IFormCollection form, string field) =>
        form[field].FirstOrDefault() is not { Length: > 0 } text ? null
        : int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value) ? value
        : throw new FormatException($"{field} is '{text}': it must be a whole number.");

    /// <summary>303 See Other: after a form POST the browser GETs the job's page (reloading it never posts twice).</summary>
    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}

using Microsoft.AspNetCore.Http;

namespace Spindle.AspNetCore.Access;

/// <summary>How the guards refuse a request: a status and one short plain-text line a person can act on.</summary>
internal static class Refusal
{
    public static Task WriteAsync(HttpContext context, int statusCode, string message)
    {
        HttpResponse response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.XContentTypeOptions = "nosniff";
        return response.WriteAsync(message + "\n", context.RequestAborted);
    }
}

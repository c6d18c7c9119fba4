using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Spindle.AspNetCore.Web;

/// <summary>The body of every API error: what went wrong and, for bad input, which field.</summary>
internal sealed record ApiError(string Error, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null)
{
    /// <summary>The error as a JSON response with <paramref name="statusCode"/>.</summary>
    public static IResult Result(int statusCode, string message, string? field = null) =>
        Results.Json(new ApiError(message, field), DashboardJson.Options, statusCode: statusCode);
}

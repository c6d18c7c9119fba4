using System.Text.Json.Serialization;

namespace Spindle.Serve.Web;

/// <summary>The body of every API error: what went wrong and, for bad input, which field.</summary>
internal sealed record ApiError(string Error, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null);

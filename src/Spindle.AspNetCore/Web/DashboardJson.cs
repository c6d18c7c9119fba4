using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spindle.AspNetCore.Web;

/// <summary>The JSON shape of the dashboard's API (and spindle serve's): camelCase names, enums as camelCase strings.</summary>
internal static class DashboardJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}

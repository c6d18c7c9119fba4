using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spindle.Serve;

/// <summary>The one JSON shape of the API: camelCase names, enums as camelCase strings.</summary>
internal static class ServeJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Spindle.AspNetCore.Web;

namespace Spindle.Serve;

/// <summary>The one JSON shape of the API, the dashboard's; a job request naming a field that does not exist is refused.</summary>
internal static class ServeJson
{
    public static readonly JsonSerializerOptions Options = new(DashboardJson.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

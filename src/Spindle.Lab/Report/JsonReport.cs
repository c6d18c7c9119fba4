using System.Text.Json;
using System.Text.Json.Serialization;
using Spindle.Lab.Model;

namespace Spindle.Lab.Report;

/// <summary>Writes report.json: the machine, every experiment with every sample, the verdicts.</summary>
public static class JsonReport
{
    /// <summary>The serializer settings of report.json (camelCase, enums as strings, indented).</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(LabReport report) => JsonSerializer.Serialize(report, Options);

    public static Task WriteAsync(LabReport report, string path, CancellationToken cancellationToken = default) =>
        File.WriteAllTextAsync(path, Serialize(report), cancellationToken);
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Spindle.Lab.Model;
using Spindle.Lab.Report;

namespace Spindle.Lab.Compare;

/// <summary>Reads a report.json written by <c>spindle lab</c> back into a <see cref="LabReport"/>.</summary>
public static class ReportFile
{
    // The report's lists are get-only properties: they are filled in place rather than replaced.
    private static readonly JsonSerializerOptions Options = new(JsonReport.Options) { PreferredObjectCreationHandling = JsonObjectCreationHandling.Populate };

    /// <exception cref="InvalidReportException">The file is missing, unreadable, or not a lab report.</exception>
    public static async Task<LabReport> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new InvalidReportException(path, Directory.Exists(path) ? "is a directory, not a report.json file" : "does not exist");
        }

        LabReport? report;
        try
        {
            byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            if (!LooksLikeReport(bytes))
            {
                throw new InvalidReportException(path, "is not a spindle lab report.json (it has no 'machine', 'experiments' and 'verdicts')");
            }

            report = JsonSerializer.Deserialize<LabReport>(bytes, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidReportException(path, $"is a lab report this version of spindle cannot read ({e.Message.Split(" Path:")[0]}); run the lab again to make a new one");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidReportException(path, $"cannot be read ({e.Message})");
        }

        if (report is not { Experiments.Count: > 0 } || !report.Experiments.All(e => e?.Name is { Length: > 0 }))
        {
            throw new InvalidReportException(path, "is a lab report with no experiments in it");
        }

        return Incomplete(report) is { } why ? throw new InvalidReportException(path, why) : report;
    }

    /// <summary>
    /// What a report that parsed lacks for a comparison, or null: a report edited by hand (or cut short) must be refused
    /// naming what is missing, not end the comparison with an exception half-way.
    /// </summary>
    private static string? Incomplete(LabReport report)
    {
        if (report.Machine is null)
        {
            return "is a lab report without its 'machine'";
        }

        foreach (ExperimentResult experiment in report.Experiments)
        {
            if (experiment.Measurements is null)
            {
                return $"is a lab report whose experiment '{experiment.Name}' has no 'measurements'";
            }

            foreach (Measurement measurement in experiment.Measurements)
            {
                if (measurement?.Samples is not { Count: > 0 } samples || samples.Any(double.IsNaN))
                {
                    return $"is a lab report whose measurement '{measurement?.Series}' of experiment '{experiment.Name}' has no samples (or one that is not a number)";
                }
            }
        }

        return report.Verdicts.Any(v => v is null) ? "is a lab report with an empty entry in its 'verdicts'" : null;
    }

    private static bool LooksLikeReport(byte[] bytes)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            JsonElement root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("machine", out _) && root.TryGetProperty("experiments", out _) && root.TryGetProperty("verdicts", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

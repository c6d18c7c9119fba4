using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Spindle.AspNetCore.Web;
using Spindle.Serve.Jobs;
using Spindle.Serve.Jobs.Storage;

namespace Spindle.Serve.Web;

/// <summary>Fills the embedded HTML templates. Every value is HTML-encoded; the pages work without JavaScript.</summary>
internal static class HtmlPages
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    /// <summary>The server's own pages, style and scripts; the dashboard's shared ones are under <see cref="SpindleServer.PoolsPath"/>.</summary>
    public static EmbeddedAssets Assets { get; } = new(typeof(HtmlPages).Assembly, "Spindle.Serve.Assets.");

    public static string Dashboard(IJobStore store) => Fill(Assets.Text("dashboard.html"), new()
    {
        ["storage"] = Encode(store.Description),
        ["storageKind"] = store.Durable ? "durable" : "memory",
        ["sceneOptions"] = SceneOptions(),
        ["defaultFrames"] = Number(JobLimits.DefaultFrames),
        ["defaultWidth"] = Number(JobLimits.DefaultWidth),
        ["defaultHeight"] = Number(JobLimits.DefaultHeight),
        ["maxFrames"] = Number(JobLimits.MaxFrames),
        ["minSize"] = Number(JobLimits.MinSize),
        ["maxSize"] = Number(JobLimits.MaxSize),
    });

    public static string Job(JobView job)
    {
        bool finished = job.State is JobState.Done or JobState.Failed;
        string result = job.State switch
        {
            JobState.Done => $"<p><a id=\"download\" href=\"{job.ResultUrl}\" download=\"spindle-job-{job.Id}.png\">Download the animation (APNG, {job.ResultBytes:N0} bytes)</a></p>"
                + $"<img class=\"preview\" src=\"{job.ResultUrl}\" alt=\"the rendered animation\" width=\"{job.Width}\" height=\"{job.Height}\">",
            JobState.Failed => $"<p class=\"error\">{Encode(job.Error ?? "failed")}</p>",
            _ => "<p id=\"download\" hidden></p>",
        };
        return Fill(Assets.Text("job.html"), new()
        {
            ["id"] = Encode(job.Id),
            ["state"] = job.State.ToString().ToLowerInvariant(),
            ["percent"] = job.Percent.ToString("0.#", CultureInfo.InvariantCulture),
            ["framesDone"] = Number(job.FramesDone),
            ["frames"] = Number(job.Frames),
            ["width"] = Number(job.Width),
            ["height"] = Number(job.Height),
            ["scene"] = Encode(job.Scene),
            ["crashFrame"] = job.CrashFrame is int k ? Number(k) : "none",
            ["crashes"] = Number(job.CrashesSurvived),
            ["resumed"] = Number(job.FramesResumed),
            ["fps"] = job.FramesPerSecond.ToString("0.0", CultureInfo.InvariantCulture),
            ["result"] = result,

            // Without JavaScript the page reloads itself until the job ends; with it, job.js updates it live.
            ["refresh"] = finished ? "" : "<noscript><meta http-equiv=\"refresh\" content=\"1\"></noscript>",
        });
    }

    public static string Message(string title, string message) => Fill(Assets.Text("message.html"), new()
    {
        ["title"] = Encode(title),
        ["message"] = Encode(message),
    });

    private static string SceneOptions()
    {
        var options = new StringBuilder();
        foreach (string scene in JobLimits.Scenes)
        {
            options.Append(CultureInfo.InvariantCulture, $"<option value=\"{Encode(scene)}\">{Encode(scene)}</option>");
        }

        return options.ToString();
    }

    // Every page links the dashboard's shared style sheet.
    private static string Fill(string template, Dictionary<string, string> values)
    {
        values["pools"] = SpindleServer.PoolsPath + "/";
        return HtmlTemplate.Fill(template, values);
    }

    private static string Encode(string text) => Encoder.Encode(text);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}

using Spectre.Console;
using Spindle.Lab.Running;

namespace Spindle.Lab.Report;

/// <summary>Feeds the lab's progress into a Spectre.Console progress display: one bar per experiment.</summary>
public sealed class SpectreProgress(ProgressContext context) : IProgressSink
{
    private readonly Dictionary<string, ProgressTask> _tasks = [];

    /// <inheritdoc />
    public void Started(string experiment, string title)
    {
        lock (_tasks)
        {
            _tasks[experiment] = context.AddTask(Markup.Escape(title), maxValue: 100);
        }
    }

    /// <inheritdoc />
    public void Advanced(string experiment, double fraction, string step)
    {
        lock (_tasks)
        {
            if (_tasks.TryGetValue(experiment, out ProgressTask? task))
            {
                task.Value = fraction * 100;
                task.Description = Markup.Escape($"{experiment}: {step}");
            }
        }
    }

    /// <inheritdoc />
    public void Finished(string experiment)
    {
        lock (_tasks)
        {
            if (_tasks.TryGetValue(experiment, out ProgressTask? task))
            {
                task.Value = 100;
                task.Description = Markup.Escape(experiment);
                task.StopTask();
            }
        }
    }
}

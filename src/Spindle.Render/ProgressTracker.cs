using System.Diagnostics;

namespace Spindle.Render;

/// <summary>Counts finished frames and crashes (frames may finish on several threads at once) and reports progress.</summary>
internal sealed class ProgressTracker(int total, IProgress<RenderProgress>? progress, Stopwatch clock)
{
    private readonly Lock _gate = new();
    private int _done;
    private int _crashes;

    public int CrashesSurvived => Volatile.Read(ref _crashes);

    public void FrameDone(RenderedFrame frame)
    {
        RenderProgress report;
        lock (_gate)
        {
            _done++;
            _crashes += frame.Attempt - 1;
            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            double rate = _done / seconds;
            report = new RenderProgress(_done, total, rate, TimeSpan.FromSeconds((total - _done) / rate), _crashes, frame);

            // Reported under the lock, so reports arrive in order.
            progress?.Report(report);
        }
    }
}

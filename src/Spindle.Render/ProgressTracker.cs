using System.Diagnostics;

namespace Spindle.Render;

/// <summary>Counts finished frames and crashes (frames may finish on several threads at once) and reports progress.</summary>
internal sealed class ProgressTracker(int total, IProgress<RenderProgress>? progress, Stopwatch clock)
{
    private readonly Lock _gate = new();
    private int _done;
    private int _resumed;
    private int _crashes;

    public int CrashesSurvived => Volatile.Read(ref _crashes);

    public void FrameDone(RenderedFrame frame)
    {
        RenderProgress report;
        lock (_gate)
        {
            _done++;
            _resumed += frame.Resumed ? 1 : 0;
            _crashes += frame.Attempt - 1;

            // The rate is this run's: frames resumed from a store took no time here (no estimate until one is rendered).
            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            double rate = (_done - _resumed) / seconds;
            TimeSpan? eta = rate > 0 ? TimeSpan.FromSeconds((total - _done) / rate) : null;
            report = new RenderProgress(_done, total, rate, eta, _crashes, frame);

            // Reported under the lock, so reports arrive in order.
            progress?.Report(report);
        }
    }
}

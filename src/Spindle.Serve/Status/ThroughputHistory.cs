namespace Spindle.Serve.Status;

/// <summary>
/// Frames per second over the last minute or so: one point per sample, oldest dropped first. Each point is the rate
/// over the last few samples, so a chart of half-second samples does not saw-tooth between frames.
/// </summary>
internal sealed class ThroughputHistory(int capacity, int smoothing = 4)
{
    private readonly Queue<ThroughputPoint> _points = new(capacity);
    private readonly Queue<(long Frames, DateTimeOffset Time)> _recent = new(smoothing + 1);
    private readonly Lock _gate = new();

    /// <summary>Adds the point for the total <paramref name="framesRendered"/> seen at <paramref name="now"/>.</summary>
    public void Record(long framesRendered, DateTimeOffset now)
    {
        lock (_gate)
        {
            _recent.Enqueue((framesRendered, now));
            if (_recent.Count > smoothing + 1)
            {
                _recent.Dequeue();
            }

            (long oldFrames, DateTimeOffset oldTime) = _recent.Peek();
            if (now <= oldTime)
            {
                return;
            }

            if (_points.Count == capacity)
            {
                _points.Dequeue();
            }

            _points.Enqueue(new ThroughputPoint(now, Math.Round((framesRendered - oldFrames) / (now - oldTime).TotalSeconds, 2)));
        }
    }

    public IReadOnlyList<ThroughputPoint> Points()
    {
        lock (_gate)
        {
            return _points.ToArray();
        }
    }
}

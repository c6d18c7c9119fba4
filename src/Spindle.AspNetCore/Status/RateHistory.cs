namespace Spindle.AspNetCore.Status;

/// <summary>
/// A rate over the last minute or so (calls per second of a pool, frames per second of spindle serve's farm): one
/// point per sample of a growing total, oldest dropped first. Each point is the rate over the last few samples, so a
/// chart of half-second samples does not saw-tooth between calls.
/// </summary>
internal sealed class RateHistory(int capacity = 120, int smoothing = 4)
{
    private readonly Queue<RatePoint> _points = new(capacity);
    private readonly Queue<(long Total, DateTimeOffset Time)> _recent = new(smoothing + 1);
    private readonly Lock _gate = new();

    /// <summary>Adds the point for the <paramref name="total"/> seen at <paramref name="now"/>.</summary>
    public void Record(long total, DateTimeOffset now)
    {
        lock (_gate)
        {
            _recent.Enqueue((total, now));
            if (_recent.Count > smoothing + 1)
            {
                _recent.Dequeue();
            }

            (long oldTotal, DateTimeOffset oldTime) = _recent.Peek();
            if (now <= oldTime)
            {
                return;
            }

            if (_points.Count == capacity)
            {
                _points.Dequeue();
            }

            _points.Enqueue(new RatePoint(now, Math.Round((total - oldTotal) / (now - oldTime).TotalSeconds, 2)));
        }
    }

    public IReadOnlyList<RatePoint> Points()
    {
        lock (_gate)
        {
            return _points.ToArray();
        }
    }
}

/// <summary>How many things (calls, frames) finished per second at one moment.</summary>
internal sealed record RatePoint(DateTimeOffset Time, double PerSecond);

namespace Spindle.Serve.Status;

/// <summary>Frames per second over the last minute or so: one point per sample, oldest dropped first.</summary>
internal sealed class ThroughputHistory(int capacity)
{
    private readonly Queue<ThroughputPoint> _points = new(capacity);
    private readonly Lock _gate = new();
    private long _lastFrames = -1;
    private DateTimeOffset _lastTime;

    /// <summary>Adds the point for the total <paramref name="framesRendered"/> seen at <paramref name="now"/>.</summary>
    public void Record(long framesRendered, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_lastFrames >= 0 && now > _lastTime)
            {
                double rate = (framesRendered - _lastFrames) / (now - _lastTime).TotalSeconds;
                if (_points.Count == capacity)
                {
                    _points.Dequeue();
                }

                _points.Enqueue(new ThroughputPoint(now, Math.Round(rate, 2)));
            }

            _lastFrames = framesRendered;
            _lastTime = now;
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

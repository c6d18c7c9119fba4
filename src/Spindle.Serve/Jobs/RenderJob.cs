using System.Globalization;
using Spindle.Serve.Jobs.Storage;

namespace Spindle.Serve.Jobs;

/// <summary>One render job: its request, its progress as the farm reports it, and its video once done.</summary>
internal sealed class RenderJob
{
    private readonly Lock _gate = new();
    private JobProgress _progress;
    private JobState _state = JobState.Queued;
    private DateTimeOffset? _startedAt;
    private DateTimeOffset? _finishedAt;
    private string? _error;
    private byte[]? _apng;
    private int? _resultBytes;
    private IReadOnlyDictionary<string, int>? _framesPerWorker;
    private int _framesResumed;

    public RenderJob(string id, JobRequest request, DateTimeOffset? createdAt = null)
    {
        Id = id;
        Request = request;
        CreatedAt = createdAt ?? DateTimeOffset.UtcNow;
        _progress = new JobProgress(0, request.Frames, 0, null, 0);
    }

    public string Id { get; }

    public JobRequest Request { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>Restored from a store that had it running: an earlier run of the server may have kept some of its frames.</summary>
    public bool WasRunning { get; private init; }

    public JobState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public string? Error
    {
        get
        {
            lock (_gate)
            {
                return _error;
            }
        }
    }

    /// <summary>
    /// The animated PNG once <see cref="State"/> is <see cref="JobState.Done"/>, if this run of the server rendered it;
    /// a job restored from a store has it in the store only.
    /// </summary>
    public byte[]? Apng
    {
        get
        {
            lock (_gate)
            {
                return _apng;
            }
        }
    }

    /// <summary>A job as a store kept it. One that had not finished is queued again; it goes on from the frames it kept.</summary>
    public static RenderJob Restore(JobRecord record)
    {
        var job = new RenderJob(record.Id, record.Request, record.CreatedAt) { WasRunning = record.State == JobState.Running };
        if (record.State is JobState.Done or JobState.Failed)
        {
            job._state = record.State;
            job._startedAt = record.StartedAt;
            job._finishedAt = record.FinishedAt;
            job._error = record.Error;
            job._resultBytes = record.ResultBytes;
            job._framesPerWorker = record.FramesPerWorker;
            job._framesResumed = record.FramesResumed;
            int frames = record.State == JobState.Done ? record.Request.Frames : 0;
            job._progress = new JobProgress(frames, record.Request.Frames, 0, record.State == JobState.Done ? TimeSpan.Zero : null, record.CrashesSurvived);
        }

        return job;
    }

    /// <summary>What a store keeps of this job now.</summary>
    public JobRecord Record()
    {
        lock (_gate)
        {
            return new JobRecord(Id, Request, _state, CreatedAt, _startedAt, _finishedAt, _error, _progress.CrashesSurvived, _resultBytes, _framesPerWorker)
            {
                FramesResumed = _framesResumed,
            };
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            _state = JobState.Running;
            _startedAt = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>
    /// Records progress; returns how many frames were rendered since the last report (never negative): frames taken up
    /// from an earlier run's are done, but not rendered (the server's frames/s counts only what its farm did).
    /// </summary>
    public int Report(JobProgress progress)
    {
        lock (_gate)
        {
            int newFrames = Math.Max(0, progress.FramesDone - _progress.FramesDone);
            int newResumed = Math.Max(0, progress.FramesResumed - _framesResumed);
            if (newFrames > 0 || progress.CrashesSurvived != _progress.CrashesSurvived)
            {
                _progress = progress;
            }

            _framesResumed = Math.Max(_framesResumed, progress.FramesResumed);
            return Math.Max(0, newFrames - newResumed);
        }
    }

    public void Complete(JobOutput output)
    {
        lock (_gate)
        {
            _apng = output.Apng;
            _resultBytes = output.Apng.Length;
            _framesPerWorker = output.FramesPerWorker.ToDictionary(w => w.Key.ToString(CultureInfo.InvariantCulture), w => w.Value);
            _framesResumed = output.FramesResumed;
            _progress = _progress with { FramesDone = Request.Frames, Eta = TimeSpan.Zero, CrashesSurvived = output.CrashesSurvived };
            _state = JobState.Done;
            _finishedAt = DateTimeOffset.UtcNow;
        }
    }

    public void Fail(string error)
    {
        lock (_gate)
        {
            _error = error;
            _state = JobState.Failed;
            _finishedAt = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>A consistent copy for JSON and pages.</summary>
    public JobView View()
    {
        lock (_gate)
        {
            JobProgress p = _progress;
            double percent = p.FramesTotal == 0 ? 0 : Math.Round(100.0 * p.FramesDone / p.FramesTotal, 1);
            TimeSpan? elapsed = _startedAt is { } started ? (_finishedAt ?? DateTimeOffset.UtcNow) - started : null;
            return new JobView(
                Id, _state, Request.Frames, Request.Width, Request.Height, Request.Scene ?? "", Request.CrashFrame,
                p.FramesDone, percent, Math.Round(p.FramesPerSecond, 2), p.Eta?.TotalSeconds, elapsed?.TotalSeconds,
                p.CrashesSurvived, _resultBytes, _error, CreatedAt, _framesPerWorker)
            {
                FramesResumed = _framesResumed,
            };
        }
    }
}

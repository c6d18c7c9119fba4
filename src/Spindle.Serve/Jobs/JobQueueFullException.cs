namespace Spindle.Serve.Jobs;

/// <summary>The job queue is at <see cref="ServeOptions.MaxQueuedJobs"/>; the client should retry later.</summary>
internal sealed class JobQueueFullException(int limit)
    : SpindleException($"{limit} jobs are already waiting (spindle serve --max-queued-jobs, ServeOptions.MaxQueuedJobs): retry when some have finished.")
{
}

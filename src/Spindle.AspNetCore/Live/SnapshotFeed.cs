namespace Spindle.AspNetCore.Live;

/// <summary>
/// Takes a snapshot at a fixed interval and hands it, as UTF-8 JSON, to everyone waiting for the next one: each
/// server-sent-event stream waits on <see cref="NextAsync"/>, so one sample serves every open page.
/// </summary>
internal sealed class SnapshotFeed : IAsyncDisposable
{
    /// <summary>How often pages are updated.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly Func<byte[]> _sample;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource<byte[]> _next = NewSignal();
    private Task _loop = Task.CompletedTask;
    private int _started;

    /// <summary>A feed of what <paramref name="sample"/> returns; it starts sampling at <see cref="Start"/>.</summary>
    public SnapshotFeed(Func<byte[]> sample) => _sample = sample;

    /// <summary>Starts sampling (once; later calls do nothing).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0 && !_stop.IsCancellationRequested)
        {
            _loop = Task.Run(SampleLoopAsync);
        }
    }

    /// <summary>Stops sampling; streams waiting for the next snapshot end.</summary>
    public void Stop()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }
    }

    /// <summary>The next published snapshot; cancelled when the feed stops.</summary>
    public Task<byte[]> NextAsync(CancellationToken cancellationToken) => Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Stop();
        await _loop.ConfigureAwait(false);
        _next.TrySetCanceled();
        _stop.Dispose();
    }

    private static TaskCompletionSource<byte[]> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task SampleLoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                TaskCompletionSource<byte[]> waiting = Interlocked.Exchange(ref _next, NewSignal());
                try
                {
                    waiting.TrySetResult(_sample());
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The streams waiting for this snapshot end with the error (browsers reconnect); sampling goes on.
                    waiting.TrySetException(e);
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            Volatile.Read(ref _next).TrySetCanceled();
        }
    }
}

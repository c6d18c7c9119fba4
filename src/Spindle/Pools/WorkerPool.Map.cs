using System.Runtime.CompilerServices;
using Spindle;
using Spindle.Calls;
using Spindle.Pools;

namespace Spindle;

/// <summary>
/// <c>MapAsync</c>: one delegate over many items. Items travel in chunks (one call per chunk) with a bounded
/// number of chunks in flight, so a huge or endless input is read only as fast as workers consume it.
/// </summary>
public sealed partial class WorkerPool
{
    /// <summary>Runs <paramref name="fn"/> on every item across the workers, yielding results in input order unless told otherwise.</summary>
    public IAsyncEnumerable<TResult> MapAsync<T, TResult>(Func<T, TResult> fn, IEnumerable<T> items, MapOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(items);
        ThrowIfDisposed();
        return MapChunksAsync(fn, Chunk(items, (options ?? new MapOptions()).ChunkSize), options ?? new MapOptions(), cancellationToken);
    }

    /// <summary>Runs <paramref name="fn"/> on every item of an async stream across the workers.</summary>
    public IAsyncEnumerable<TResult> MapAsync<T, TResult>(Func<T, TResult> fn, IAsyncEnumerable<T> items, MapOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(items);
        ThrowIfDisposed();
        return MapChunksAsync(fn, ChunkAsync(items, (options ?? new MapOptions()).ChunkSize, cancellationToken), options ?? new MapOptions(), cancellationToken);
    }

    private static async IAsyncEnumerable<T[]> Chunk<T>(IEnumerable<T> items, int size)
    {
        foreach (T[] chunk in items.Chunk(size))
        {
            yield return chunk;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<T[]> ChunkAsync<T>(IAsyncEnumerable<T> items, int size, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunk = new List<T>(size);
        await foreach (T item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            chunk.Add(item);
            if (chunk.Count == size)
            {
                yield return [.. chunk];
                chunk.Clear();
            }
        }

        if (chunk.Count > 0)
        {
            yield return [.. chunk];
        }
    }

    private async IAsyncEnumerable<TResult> MapChunksAsync<T, TResult>(Func<T, TResult> fn, IAsyncEnumerable<T[]> chunks, MapOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int window = options.MaxChunksInFlight ?? Math.Max(2, _options.Workers * 2);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new List<Task<TResult[]>>(window);
        try
        {
            await foreach (T[] chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                inFlight.Add(SubmitChunk(fn, chunk, stop.Token));
                if (inFlight.Count >= window)
                {
                    foreach (TResult result in await NextAsync(inFlight, options.Ordered).ConfigureAwait(false))
                    {
                        yield return result;
                    }
                }
            }

            while (inFlight.Count > 0)
            {
                foreach (TResult result in await NextAsync(inFlight, options.Ordered).ConfigureAwait(false))
                {
                    yield return result;
                }
            }
        }
        finally
        {
            // Stopped early (break, error or cancellation): queued chunks are dropped, running ones cancelled.
            if (inFlight.Count > 0)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await ((Task)Task.WhenAll(inFlight)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private Task<TResult[]> SubmitChunk<T, TResult>(Func<T, TResult> fn, T[] chunk, CancellationToken cancellationToken) =>
        Submit(
            fn,
            [chunk],
            static (f, a, ct) =>
            {
                var map = (Func<T, TResult>)f;
                var items = (T[])a[0]!;
                var results = new TResult[items.Length];
                for (int i = 0; i < items.Length; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    results[i] = map(items[i]);
                }

                return results;
            },
            CallFlags.Map,
            cancellationToken);

    private static async Task<TResult[]> NextAsync<TResult>(List<Task<TResult[]>> inFlight, bool ordered)
    {
        Task<TResult[]> next = ordered ? inFlight[0] : await Task.WhenAny(inFlight).ConfigureAwait(false);
        inFlight.Remove(next);
        return await next.ConfigureAwait(false);
    }
}

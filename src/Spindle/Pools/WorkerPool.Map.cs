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
        // Grown as items come: a chunk size far above what the input holds must not allocate it up front.
        var chunk = new List<T>(Math.Min(size, 1024));
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

    /// <summary>
    /// Sends chunks as the input gives them, up to the window, and hands results over as chunks end: while it waits for
    /// the input (a live stream, a channel) a chunk that ends meanwhile is handed over at once, not when the window
    /// fills or the input ends. A synchronous input that blocks in MoveNext blocks the caller; nothing can interrupt it.
    /// </summary>
    private async IAsyncEnumerable<TResult> MapChunksAsync<T, TResult>(Func<T, TResult> fn, IAsyncEnumerable<T[]> chunks, MapOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int window = options.MaxChunksInFlight ?? Math.Max(2, _options.Workers * 2);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new List<Task<TResult[]>>(window);

        // The input's own token is the stop: a caller that breaks out ends a read that waits for the input too.
        IAsyncEnumerator<T[]> input = chunks.GetAsyncEnumerator(stop.Token);
        Task<bool>? reading = null;
        try
        {
            while (true)
            {
                if (inFlight.Count < window)
                {
                    reading ??= input.MoveNextAsync().AsTask();
                    if (!reading.IsCompleted && inFlight.Count > 0)
                    {
                        Task ended = options.Ordered ? inFlight[0] : Task.WhenAny(inFlight);
                        await Task.WhenAny(reading, ended).ConfigureAwait(false);
                        if (!reading.IsCompleted)
                        {
                            foreach (TResult result in await NextAsync(inFlight, options.Ordered).ConfigureAwait(false))
                            {
                                yield return result;
                            }

                            continue;
                        }
                    }

                    bool more = await reading.ConfigureAwait(false);
                    reading = null;
                    if (!more)
                    {
                        break;
                    }

                    inFlight.Add(SubmitChunk(fn, input.Current, stop.Token));
                    continue;
                }

                foreach (TResult result in await NextAsync(inFlight, options.Ordered).ConfigureAwait(false))
                {
                    yield return result;
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
            if (inFlight.Count > 0 || reading is not null)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await ((Task)Task.WhenAll(inFlight)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (reading is null || reading.IsCompleted)
            {
                await input.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                // An input that ignores the stop is still reading: it is disposed once that read ends (an enumerator
                // cannot be disposed mid-read), without holding up the caller.
                _ = reading.ContinueWith(_ => input.DisposeAsync().AsTask(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
            }
        }
    }

    private Task<TResult[]> SubmitChunk<T, TResult>(Func<T, TResult> fn, T[] chunk, CancellationToken cancellationToken)
    {
        RefuseSharedViews(chunk);
        return Submit(
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
    }

    /// <summary>
    /// A chunk is copied to the worker as one array: a <c>Memory</c> item over shared memory would reach the worker as a
    /// copy, and the worker's writes to it would be lost without a word (RunAsync sends such a view by reference).
    /// </summary>
    private void RefuseSharedViews<T>(T[] chunk)
    {
        if (_options.Isolation != Isolation.Process)
        {
            return;
        }

        if (ItemKind<T>.IsSharedReference)
        {
            // Said here, for MapAsync: the codec's own refusal speaks of an array argument the caller never wrote.
            throw new ArgumentException(
                $"items are {TypeNames.Display(typeof(T))}s, which travel by reference only as an argument of their own: MapAsync sends its items in chunks, by value. " +
                "Pass each to RunAsync, or pass one to RunAsync and map over its parts there.",
                "items");
        }

        if (ItemKind<T>.View is not { } block)
        {
            return;
        }

        foreach (T item in chunk)
        {
            if (item is not null && block.TryGetShared(item, out _, out _, out _))
            {
                throw new ArgumentException(
                    $"An item of items is a {typeof(T).Name} over shared memory (a SharedArray's): MapAsync copies its items to the worker in chunks, so the " +
                    "worker's writes to it would be lost. Pass it to RunAsync, which sends such a view by reference, or pass the SharedArray to RunAsync and map over its parts there.",
                    "items");
            }
        }
    }

    /// <summary>What <see cref="RefuseSharedViews"/> needs to know of an item type, worked out once per type rather than per chunk.</summary>
    private static class ItemKind<T>
    {
        public static readonly bool IsSharedReference = Shared.SharedReferences.IsReference(typeof(T));

        /// <summary>The block operations when items are <c>Memory</c>/<c>ReadOnlyMemory</c> of unmanaged values (which may be views of shared memory); null otherwise.</summary>
        public static readonly Shared.UnmanagedBlock? View = Shared.UnmanagedBlock.For(typeof(T)) is { IsView: true } block ? block : null;
    }

    private static async Task<TResult[]> NextAsync<TResult>(List<Task<TResult[]>> inFlight, bool ordered)
    {
        Task<TResult[]> next = ordered ? inFlight[0] : await Task.WhenAny(inFlight).ConfigureAwait(false);
        inFlight.Remove(next);
        return await next.ConfigureAwait(false);
    }
}

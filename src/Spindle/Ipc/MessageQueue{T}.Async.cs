using System.Runtime.CompilerServices;
using Spindle.Ipc.Queues;

namespace Spindle.Ipc;

/// <summary>
/// Async waiting: one background thread per queue instance sleeps in the kernel for all async waiters. Apart from the
/// synchronous waits (MessageQueue{T}.Waiting) because async methods cannot live in the unsafe class body those use.
/// </summary>
public sealed partial class MessageQueue<T>
{
    /// <summary>Adds <paramref name="item"/>, waiting asynchronously while the queue is full.</summary>
    /// <exception cref="MessageTooLargeException">The encoded message exceeds <see cref="MaxMessageBytes"/>.</exception>
    /// <exception cref="QueueCompletedException">The queue was completed.</exception>
    public async ValueTask EnqueueAsync(T item, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Outgoing message = Encode(item);
        if (TryPut(message))
        {
            QueueScratch.Trim();
            return;
        }

        // The scratch buffer belongs to this thread; an await may resume on another, so keep a copy.
        message = message.Detached();
        while (true)
        {
            await SpaceWatcher.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (TryPut(message))
            {
                return;
            }
        }
    }

    /// <summary>Takes the oldest message, waiting asynchronously while the queue is empty.</summary>
    /// <exception cref="QueueCompletedException">The queue is completed and drained.</exception>
    public async ValueTask<T> DequeueAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryTake(out T item, out bool drained))
            {
                return item;
            }

            if (drained)
            {
                throw Drained();
            }

            await ItemsWatcher.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads messages as they come until the queue is completed and drained.</summary>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            T item;
            try
            {
                item = await DequeueAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (QueueCompletedException)
            {
                yield break;
            }

            yield return item;
        }
    }
}

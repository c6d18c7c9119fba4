using System.Diagnostics.CodeAnalysis;
using System.Runtime.Versioning;

namespace Spindle.Ipc;

/// <summary>
/// Sending and receiving raw bytes through a <see cref="MessageQueue{T}"/> of <c>byte[]</c> without an array per
/// message: send any span (a slice of a bigger buffer), receive into a buffer the caller keeps. Messages are the same
/// as those of <see cref="MessageQueue{T}.Enqueue"/> and <see cref="MessageQueue{T}.Dequeue"/>, so both ways mix freely.
/// </summary>
[SupportedOSPlatform("linux")]
public static class MessageQueueBytes
{
    /// <summary>Why these are safe to trim and compile ahead of time: a byte[] message is its own bytes, never JSON.</summary>
    private const string RawBytes = "A byte[] message is its own bytes (MessageCodec's raw format), never JSON.";

    /// <summary>Adds <paramref name="bytes"/> as one message, blocking while the queue is full.</summary>
    /// <exception cref="MessageTooLargeException"><paramref name="bytes"/> is longer than <see cref="MessageQueue{T}.MaxMessageBytes"/>.</exception>
    /// <exception cref="QueueCompletedException">The queue was completed.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = RawBytes)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = RawBytes)]
    public static void EnqueueBytes(this MessageQueue<byte[]> queue, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(queue);
        queue.EnqueueRaw(bytes);
    }

    /// <summary>Adds <paramref name="bytes"/> as one message if there is room; false if the queue is full.</summary>
    /// <exception cref="MessageTooLargeException"><paramref name="bytes"/> is longer than <see cref="MessageQueue{T}.MaxMessageBytes"/>.</exception>
    /// <exception cref="QueueCompletedException">The queue was completed.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = RawBytes)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = RawBytes)]
    public static bool TryEnqueueBytes(this MessageQueue<byte[]> queue, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.TryEnqueueRaw(bytes);
    }

    /// <summary>
    /// Takes the oldest message into <paramref name="destination"/>, blocking while the queue is empty; returns its
    /// length (-1 for a null array).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small for the message, which stays in the queue.</exception>
    /// <exception cref="QueueCompletedException">The queue is completed and drained.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = RawBytes)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = RawBytes)]
    public static int DequeueBytes(this MessageQueue<byte[]> queue, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.DequeueRaw(destination);
    }

    /// <summary>Takes the oldest message into <paramref name="destination"/> if there is one; <paramref name="length"/> is its length (-1 for a null array).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small for the message, which stays in the queue.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = RawBytes)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = RawBytes)]
    public static bool TryDequeueBytes(this MessageQueue<byte[]> queue, Span<byte> destination, out int length)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.TryDequeueRaw(destination, out length);
    }
}

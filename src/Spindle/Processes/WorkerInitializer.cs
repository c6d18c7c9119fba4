using System.Buffers.Binary;
using System.Net.Sockets;
using Spindle;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Pools;
using Spindle.Wire;

namespace Spindle.Processes;

/// <summary>
/// <see cref="WorkerPoolOptions.Initializer"/> in worker processes. It is encoded once, when the pool is created (a
/// captured value that cannot cross fails there, naming the option), and sent as each new worker's first call, right
/// after its hello and before the pool gets the worker; the worker runs it as any call, so nothing in the worker knows
/// of it. A worker whose initializer throws never serves: its start fails.
/// </summary>
internal static class WorkerInitializer
{
    /// <summary>The initializer's call id: the pool numbers its calls from 1.</summary>
    private const long CallId = 0;

    /// <summary>The call frame for <paramref name="initializer"/>, or null for none; throws naming the option if it cannot cross.</summary>
    public static byte[]? Encode(Action? initializer, ValueCodec codec, int maxMessageBytes)
    {
        if (initializer is null)
        {
            return null;
        }

        const string Option = nameof(WorkerPoolOptions.Initializer);
        MethodTemplate template = MethodTemplate.For(initializer, Option);
        using var frame = new WireWriter();
        CallWriter.Write(frame, codec, CallId, CallFlags.None, template, initializer.Target, [], Option);
        return frame.Length <= maxMessageBytes
            ? frame.WrittenSpan.ToArray()
            : throw new ArgumentException(
                $"The Initializer's captured variables take {frame.Length} bytes, more than MaxMessageBytes ({maxMessageBytes}). Raise WorkerPoolOptions.MaxMessageBytes or capture less.",
                Option);
    }

    /// <summary>
    /// Sends the initializer to a worker that has said hello and waits for its result on the data connection, which
    /// nothing else reads yet. False if the worker closed its channel (exited) before answering; throws the
    /// <see cref="RemoteException"/> the initializer threw.
    /// </summary>
    public static async Task<bool> RunAsync(Socket data, byte[] frame, int processId, int maxMessageBytes, CancellationToken cancellationToken)
    {
        byte[]? result;
        try
        {
            for (int sent = 0; sent < frame.Length;)
            {
                sent += await data.SendAsync(frame.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            result = await ReceiveResultAsync(data, processId, maxMessageBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The worker is gone (its end closed as it died): the start reports how it ended.
            return false;
        }

        if (result is null)
        {
            return false;
        }

        ThrowIfFailed(result, processId);
        return true;
    }

    /// <summary>The start failure for a worker whose initializer threw <paramref name="error"/>.</summary>
    public static WorkerStartException Failed(int processId, RemoteException error, string standardErrorTail) =>
        new($"Worker process {processId} could not start: its Initializer threw {error.RemoteType}: {error.RemoteMessage}", null, standardErrorTail, error);

    private static void ThrowIfFailed(ReadOnlySpan<byte> payload, int processId)
    {
        var reader = new WireReader(payload);
        if (reader.ReadInt64() != CallId)
        {
            throw new WorkerStartException($"Worker process {processId} answered a call it was never sent instead of its Initializer. Started as: {WorkerLauncher.Describe()}", null, string.Empty);
        }

        if (reader.ReadByte() != CallRunner.Returned)
        {
            throw RemoteError.Read(ref reader, processId);
        }
    }

    /// <summary>The payload of the worker's next frame, a result; null at end of stream.</summary>
    private static async Task<byte[]?> ReceiveResultAsync(Socket data, int processId, int maxMessageBytes, CancellationToken cancellationToken)
    {
        byte[] header = new byte[Frame.HeaderSize];
        if (!await ReceiveAsync(data, header, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (header[4] != (byte)FrameKind.Result || length < 0 || length > maxMessageBytes)
        {
            throw new WorkerStartException($"Worker process {processId} answered its Initializer with a malformed frame. Started as: {WorkerLauncher.Describe()}", null, string.Empty);
        }

        byte[] payload = new byte[length];
        return await ReceiveAsync(data, payload, cancellationToken).ConfigureAwait(false) ? payload : null;
    }

    private static async Task<bool> ReceiveAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        for (int got = 0; got < buffer.Length;)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            got += n;
        }

        return true;
    }
}

using Spindle.Lab.Os;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>The answering side of every raw channel: echoes each message until an empty one. Runs on a thread or in a worker process.</summary>
internal static class EchoPeer
{
    /// <summary>Connects to the channel of kind <paramref name="kind"/> at <paramref name="path"/>, echoes, and returns the messages echoed.</summary>
    public static int Echo(string kind, string path, int maxBytes)
    {
        IMessageLink link = kind switch
        {
            "shm" => new SharedMemoryLink(SharedRegion.Open(path, maxBytes), side: 1, ownsRegion: true),
            "pipe" => PipeLink.Open(path, maxBytes, opener: false),
            "socket" => SocketLink.Connect(path, maxBytes),
            "mq" => new PosixQueueLink(PosixQueue.Open($"{path}-down"), PosixQueue.Open($"{path}-up")),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected shm, pipe, socket or mq."),
        };
        return Serve(link, maxBytes);
    }

    /// <summary>Echoes every message on <paramref name="link"/> until an empty one, then closes it; returns the messages echoed.</summary>
    public static int Serve(IMessageLink link, int maxBytes)
    {
        using IMessageLink owned = link;
        byte[] buffer = GC.AllocateUninitializedArray<byte>(maxBytes);
        int echoed = 0;
        while (true)
        {
            int length = link.Receive(buffer);
            if (length == 0)
            {
                return echoed;
            }

            link.Send(buffer.AsSpan(0, length));
            echoed++;
        }
    }
}

using Spindle.Ipc;
using Spindle.Lab.Model;
using Spindle.Lab.Os;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>
/// One of Spindle's IPC types between this process and an echo peer on a thread or in a worker process:
/// <see cref="Pipe"/>, <see cref="Listener"/>/<see cref="Client"/>, <see cref="MessageQueue{T}"/>, or a
/// <see cref="Spindle.Shared.SharedArray{T}"/> holding the data with a futex word for the hand-off.
/// </summary>
internal sealed class SpindleIpcRow(string kind, Subject subject) : IChannelRow
{
    private static readonly byte[] AuthKey = "spindle-lab-echo"u8.ToArray();

    public string Series => $"{Describe(kind)}, two {(Subject == Subject.Thread ? "threads" : "processes")}";

    public Subject Subject => subject;

    public Origin Origin => Origin.Spindle;

    public string? MissingReason => null;

    public static string Describe(string kind) => kind switch
    {
        "pipe" => "Spindle Pipe",
        "listener" => "Spindle Listener/Client",
        "queue" => "Spindle MessageQueue<byte[]> (one per direction)",
        _ => "Spindle SharedArray<byte> + futex",
    };

    public async Task<ChannelSession> OpenAsync(ExperimentContext context, int maxBytes, WorkerPool peers)
    {
        var options = new ConnectionOptions { MaxMessageBytes = Math.Max(ConnectionOptions.DefaultMaxMessageBytes, maxBytes + 4096) };
        switch (kind)
        {
            case "pipe":
                (Connection mine, Connection theirs) = Pipe.Create(options);
                return new RawChannelRow.Session(new ConnectionLink(mine), StartPeer(theirs.Transfer(), maxBytes, peers), maxBytes, null);
            case "listener":
                var listener = new Listener(AuthKey, options);
                Task<int> peer = StartPeer(listener.Address, maxBytes, peers);
                Connection accepted = await listener.AcceptAsync(context.CancellationToken);
                listener.Dispose();
                return new RawChannelRow.Session(new ConnectionLink(accepted), peer, maxBytes, null);
            case "queue":
                var queueOptions = new MessageQueueOptions { Capacity = 2, MaxMessageBytes = maxBytes + 4096 };
                MessageQueue<byte[]> requests = MessageQueue.Create<byte[]>(queueOptions);
                MessageQueue<byte[]> replies = MessageQueue.Create<byte[]>(queueOptions);
                return new RawChannelRow.Session(new QueueLink(requests, replies), StartPeer($"{requests.Name}|{replies.Name}", maxBytes, peers), maxBytes, null);
            default:
                SharedArrayBlock block = SharedArrayBlock.Create(maxBytes);
                return new RawChannelRow.Session(new SharedMemoryLink(block, side: 0, ownsRegion: true), StartPeer(block.Name, maxBytes, peers), maxBytes, block);
        }
    }

    /// <summary>The peer side: opens what <paramref name="name"/> names and echoes until an empty message.</summary>
    public static int Echo(string kind, string name, int maxBytes)
    {
        IMessageLink link = kind switch
        {
            "pipe" => new ConnectionLink(Connection.Open(name)),
            "listener" => new ConnectionLink(Client.Connect(name, AuthKey, new ConnectionOptions { MaxMessageBytes = Math.Max(ConnectionOptions.DefaultMaxMessageBytes, maxBytes + 4096) })),
            "queue" => new QueueLink(MessageQueue.Open<byte[]>(name.Split('|')[1]), MessageQueue.Open<byte[]>(name.Split('|')[0])),
            _ => new SharedMemoryLink(SharedArrayBlock.Open(name, maxBytes), side: 1, ownsRegion: true),
        };
        return EchoPeer.Serve(link, maxBytes);
    }

    private Task<int> StartPeer(string name, int maxBytes, WorkerPool peers) =>
        Subject == Subject.Thread
            ? Sampler.OnDedicatedThread(() => Echo(kind, name, maxBytes), $"{kind} echo")
            : peers.RunAsync(static (k, n, m) => Echo(k, n, m), kind, name, maxBytes);
}

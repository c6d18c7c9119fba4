using System.Net.Sockets;
using Spindle.Lab.Model;
using Spindle.Lab.Os;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;
using Spindle.Interop;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>A raw mechanism (shared memory, named pipes, Unix socket) with its echoing peer on a thread or in a worker process.</summary>
internal sealed class RawChannelRow(string kind, Subject subject) : IChannelRow
{
    public string Series => $"{Describe(kind)}, two {(Subject == Subject.Thread ? "threads" : "processes")}";

    public Subject Subject => subject;

    public Origin Origin => Origin.Raw;

    public string? MissingReason => null;

    public static string Describe(string kind) => kind switch
    {
        "shm" => "shared memory (mmap + futex)",
        "pipe" => "pipe (FIFO pair)",
        "mq" => "POSIX message queue pair",
        _ => "Unix socket",
    };

    public async Task<ChannelSession> OpenAsync(ExperimentContext context, int maxBytes, WorkerPool peers)
    {
        string path = context.ScratchPath(kind);
        switch (kind)
        {
            case "shm":
                SharedRegion region = SharedRegion.Create(path, maxBytes);
                return new Session(new SharedMemoryLink(region, side: 0, ownsRegion: true), StartPeer(path, maxBytes, peers), maxBytes, region);
            case "pipe":
                PipeLink.Create(path);
                Task<int> pipePeer = StartPeer(path, maxBytes, peers);
                Task<PipeLink> opening = Task.Run(() => PipeLink.Open(path, maxBytes, opener: true));
                await PeerGuard.UntilOpenedAsync(opening, pipePeer, () => LabNative.ReleaseBlockedOpens(PipeLink.Fifos(path)));
                return new Session(await opening, pipePeer, maxBytes, null);
            case "mq":
                // A queue's message size is fixed when it is made and capped by the kernel for unprivileged users.
                int limit = MessageQueueLimit(context, maxBytes);
                string name = $"/spindle-lab-{Environment.ProcessId}-{Guid.NewGuid():N}";
                var link = new PosixQueueLink(PosixQueue.Create($"{name}-up", limit), PosixQueue.Create($"{name}-down", limit));
                return new Session(link, StartPeer(name, limit, peers), limit, null);
            default:
                using (var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
                {
                    listener.Bind(new UnixDomainSocketEndPoint(path));
                    listener.Listen(1);
                    Task<int> socketPeer = StartPeer(path, maxBytes, peers);
                    Task<Socket> accepting = listener.AcceptAsync(context.CancellationToken).AsTask();
                    await PeerGuard.UntilOpenedAsync(accepting, socketPeer, () => { listener.Close(); return null; });
                    Socket accepted = await accepting;
                    return new Session(new SocketLink(accepted, maxBytes), socketPeer, maxBytes, null);
                }
        }
    }

    private static int MessageQueueLimit(ExperimentContext context, int wanted)
    {
        try
        {
            PosixQueue.Create($"/spindle-lab-probe-{Guid.NewGuid():N}", wanted).Dispose();
            return wanted;
        }
        catch (IOException)
        {
            return Math.Min(wanted, PosixQueue.SystemLimit(context.Proc) ?? 8192);
        }
    }

    private Task<int> StartPeer(string path, int maxBytes, WorkerPool peers) =>
        Subject == Subject.Thread
            ? Sampler.OnDedicatedThread(() => EchoPeer.Echo(kind, path, maxBytes), $"{kind} echo")
            : peers.RunAsync(static (k, p, m) => EchoPeer.Echo(k, p, m), kind, path, maxBytes);

    /// <summary>A link to an echo peer that runs on a thread or in a worker process.</summary>
    internal sealed class Session(IMessageLink link, Task<int> peer, int maxBytes, FutexBlock? region) : ChannelSession(maxBytes)
    {
        private readonly byte[] _payload = Payload.Create(maxBytes);
        private readonly byte[] _received = GC.AllocateUninitializedArray<byte>(maxBytes);

        // A peer that fails while this side sleeps on a futex would leave it asleep: wake it with an error instead.
        private readonly Task _abortOnFailure = peer.ContinueWith(_ => region?.Abort(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

        public override ValueTask RoundTripAsync(int length)
        {
            if (peer.IsFaulted)
            {
                peer.GetAwaiter().GetResult();
            }

            link.Send(_payload.AsSpan(0, length));
            int got = link.Receive(_received);
            return got == length && _received[length - 1] == _payload[length - 1]
                ? ValueTask.CompletedTask
                : throw new InvalidOperationException($"The echo came back with {got} bytes instead of {length}, or changed.");
        }

        public override async ValueTask DisposeAsync()
        {
            link.Send([]);
            await peer.WaitAsync(TimeSpan.FromSeconds(30));
            link.Dispose();
        }
    }
}

using System.Net;
using System.Net.Sockets;
using Spindle.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>
/// Keeps a number of silent connections open to a <see cref="Listener"/>: whenever the listener drops one, another
/// takes its place, so its table of pending handshakes stays full for as long as the flood runs.
/// </summary>
internal sealed class Flood : IAsyncDisposable
{
    private readonly EndPoint _endpoint;
    private readonly Socket?[] _peers;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private int _opened;

    private Flood(EndPoint endpoint, int connections)
    {
        _endpoint = endpoint;
        _peers = new Socket?[connections];
        _running = Task.Run(RunAsync);
    }

    /// <summary>Connections opened so far, replacements included.</summary>
    public int Opened => Volatile.Read(ref _opened);

    public static Flood Start(EndPoint endpoint, int connections) => new(endpoint, connections);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running.Within("the flood to stop");
        foreach (Socket? peer in _peers)
        {
            peer?.Dispose();
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        byte[] sink = new byte[256];
        while (!_stop.IsCancellationRequested)
        {
            for (int i = 0; i < _peers.Length && !_stop.IsCancellationRequested; i++)
            {
                Socket? peer = _peers[i];
                if (peer is not null && !DroppedByListener(peer, sink))
                {
                    continue;
                }

                peer?.Dispose();
                _peers[i] = await ConnectAsync();
            }

            // Pacing between passes over the peers, so the flood does not starve the machine it measures.
            await Task.Delay(5, CancellationToken.None);
        }
    }

    /// <summary>Silent, but it reads: the opening arrives first, then end of stream once the listener drops it.</summary>
    private static bool DroppedByListener(Socket peer, byte[] sink)
    {
        try
        {
            while (peer.Poll(0, SelectMode.SelectRead))
            {
                if (peer.Available == 0 || peer.Receive(sink) == 0)
                {
                    return true;
                }
            }

            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private async Task<Socket?> ConnectAsync()
    {
        var socket = _endpoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(_endpoint, _stop.Token);
            Interlocked.Increment(ref _opened);
            return socket;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // A full backlog or the end of the flood: this slot tries again on the next pass.
            socket.Dispose();
            return null;
        }
    }
}

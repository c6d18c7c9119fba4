using System.Net;
using System.Net.Sockets;

namespace Spindle.Cluster.Tests.Support;

/// <summary>
/// A loopback TCP relay in front of the NATS server, so a test can cut one process off from the server while the
/// others keep their connections: <see cref="Cut"/> closes every connection through it and turns new ones away (they
/// are accepted and closed at once), <see cref="Restore"/> lets them through again. <see cref="Stall"/> keeps the
/// connections open but stops reading what the process sends, as a hung server or a stalled link would: the process's
/// writes back up in its socket until it can write no more.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _serverPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private volatile bool _cut;
    private volatile TaskCompletionSource _flowing = Flowing();

    public TcpRelay(string serverUrl)
    {
        _serverPort = new Uri(serverUrl).Port;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>The relay's address, for the process to cut off.</summary>
    public string Url => $"nats://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (TcpClient client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    public void Restore()
    {
        _cut = false;
        _flowing.TrySetResult();
    }

    /// <summary>Stops reading from the processes on their open connections (see the class summary); <see cref="Restore"/> ends it.</summary>
    public void Stall() => _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_cut)
            {
                inbound.Dispose();
                continue;
            }

            _ = RelayAsync(inbound);
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        lock (_open)
        {
            _open.Add(inbound);
            _open.Add(outbound);
        }

        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _serverPort, _stop.Token);
            NetworkStream a = inbound.GetStream(), b = outbound.GetStream();
            await Task.WhenAny(PumpFromProcessAsync(a, b), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Cut, or the other side closed.
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
            lock (_open)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }
        }
    }

    /// <summary>Copies what the process sends on to the server, reading nothing while the relay is stalled.</summary>
    private async Task PumpFromProcessAsync(NetworkStream fromProcess, NetworkStream toServer)
    {
        byte[] buffer = new byte[64 * 1024];
        while (true)
        {
            await _flowing.Task.WaitAsync(_stop.Token);
            int read = await fromProcess.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            await toServer.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}

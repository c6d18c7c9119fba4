using System.Net.Sockets;
using Spindle.Ipc;

namespace Spindle.Bench.Ipc.Echo;

/// <summary>
/// A Spindle <see cref="Connection"/> (a pipe end, or a Listener/Client connection) with an echo behind it. An empty
/// raw message announces a burst: an int count follows, then that many messages, acknowledged with the count.
/// </summary>
internal sealed class ConnectionEcho(Connection connection, FarEnd farEnd, IDisposable? owner = null) : IEcho
{
    public static readonly byte[] AuthKey = "spindle ipc bench key, 32 bytes."u8.ToArray();

    public static async Task<IEcho> PipeAsync(Where where, int maxMessageBytes)
    {
        (Connection mine, Connection theirs) = Pipe.Create(Options(maxMessageBytes));
        FarEnd far = FarEnd.Start(where, static (Connection end, int max) => Serve(end, max), theirs, maxMessageBytes);
        await Task.CompletedTask;
        return new ConnectionEcho(mine, far, where == Where.Thread ? theirs : null);
    }

    public static async Task<IEcho> SocketAsync(Where where, string address, int maxMessageBytes)
    {
        var listener = new Listener(address, AuthKey, Options(maxMessageBytes));
        Task<Connection> accepted = listener.AcceptAsync().AsTask();
        FarEnd far = FarEnd.Start(where, static (string at, int max) =>
        {
            using Connection connection = Client.Connect(at, AuthKey, Options(max));
            Serve(connection, max);
        }, listener.Address, maxMessageBytes);
        Connection mine = await accepted.WaitAsync(TimeSpan.FromSeconds(60));
        return new ConnectionEcho(mine, far, listener);
    }

    public void RoundTrip(byte[] message, byte[] reply)
    {
        connection.SendBytes(message);
        connection.ReceiveBytes(reply);
    }

    public void Burst(byte[] message, int count)
    {
        connection.SendBytes([]);
        connection.Send(count);
        for (int i = 0; i < count; i++)
        {
            connection.SendBytes(message);
        }

        if (connection.Receive<int>() != count)
        {
            throw new InvalidOperationException("The echo counted a different number of messages.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        connection.Dispose();
        await farEnd.DisposeAsync();
        owner?.Dispose();
    }

    private static ConnectionOptions Options(int maxMessageBytes) => new() { MaxMessageBytes = maxMessageBytes };

    private static void Serve(Connection end, int maxMessageBytes)
    {
        byte[] buffer = new byte[maxMessageBytes];
        try
        {
            while (true)
            {
                int length = end.ReceiveBytes(buffer);
                if (length > 0)
                {
                    end.SendBytes(buffer.AsSpan(0, length));
                    continue;
                }

                int count = end.Receive<int>();
                for (int i = 0; i < count; i++)
                {
                    end.ReceiveBytes(buffer);
                }

                end.Send(count);
            }
        }
        catch (ConnectionClosedException)
        {
            // The bench closed its end: done.
        }
        catch (SocketException)
        {
            // Same, seen by the socket first.
        }
    }
}

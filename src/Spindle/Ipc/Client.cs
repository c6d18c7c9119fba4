using System.Net;
using System.Net.Sockets;

namespace Spindle.Ipc;

/// <summary>Connects to a <see cref="Listener"/> and authenticates both ways, like <c>multiprocessing.connection.Client</c> with an authkey.</summary>
public static class Client
{
    /// <summary>Connects to <paramref name="address"/> (as <see cref="Listener.Address"/> gives it) and authenticates.</summary>
    /// <exception cref="FileNotFoundException">No Unix-domain listener exists at that path.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The keys differ, or the handshake did not finish in time.</exception>
    public static Connection Connect(string address, byte[] authKey, ConnectionOptions? options = null) =>
        ConnectAsync(IpcAddress.Parse(address, nameof(address)), authKey, options, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Connects to <paramref name="address"/> asynchronously and authenticates.</summary>
    /// <exception cref="FileNotFoundException">No Unix-domain listener exists at that path.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The keys differ, or the handshake did not finish in time.</exception>
    public static ValueTask<Connection> ConnectAsync(string address, byte[] authKey, ConnectionOptions? options = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(IpcAddress.Parse(address, nameof(address)), authKey, options, cancellationToken);

    /// <summary>Connects to <paramref name="endpoint"/> asynchronously and authenticates.</summary>
    /// <exception cref="FileNotFoundException">No Unix-domain listener exists at that path.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The keys differ, or the handshake did not finish in time.</exception>
    public static async ValueTask<Connection> ConnectAsync(EndPoint endpoint, byte[] authKey, ConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        IpcAddress.CheckKey(authKey);
        options ??= ConnectionOptions.Default;
        string address = IpcAddress.Format(endpoint);
        Socket socket = IpcAddress.CreateSocket(endpoint);
        try
        {
            try
            {
                await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e) when (endpoint is UnixDomainSocketEndPoint && e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused)
            {
                throw new FileNotFoundException($"No listener at {address}: the socket does not exist or nobody is listening on it.", endpoint.ToString(), e);
            }

            await Handshake.ClientSideAsync(socket, authKey, options.HandshakeTimeout, $"at {address}", cancellationToken).ConfigureAwait(false);
            return new Connection(socket, options, $"a connection to {address}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

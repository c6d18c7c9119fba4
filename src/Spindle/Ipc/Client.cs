using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Spindle.Interop;

namespace Spindle.Ipc;

/// <summary>Connects to a <see cref="Listener"/> and authenticates both ways, like <c>multiprocessing.connection.Client</c> with an authkey.</summary>
[SupportedOSPlatform("linux")]
public static class Client
{
    /// <summary>Connects to <paramref name="address"/> (as <see cref="Listener.Address"/> gives it) and authenticates.</summary>
    /// <exception cref="FileNotFoundException">No Unix-domain listener exists at that path.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The keys differ, or the handshake did not finish in time.</exception>
    public static Connection Connect(string address, byte[] authKey, ConnectionOptions? options = null) =>
        Connect(IpcAddress.Parse(address, nameof(address)), authKey, options);

    /// <summary>Connects to <paramref name="endpoint"/> and authenticates.</summary>
    /// <exception cref="FileNotFoundException">No Unix-domain listener exists at that path.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The keys differ, or the handshake did not finish in time.</exception>
    public static Connection Connect(EndPoint endpoint, byte[] authKey, ConnectionOptions? options = null)
    {
        LinuxOnly.Require("Client", LinuxOnly.ConnectionsInstead);
        ArgumentNullException.ThrowIfNull(endpoint);
        IpcAddress.CheckKey(authKey);
        return Open(IpcAddress.CreateSocket(endpoint), endpoint, authKey, options ?? ConnectionOptions.Default);
    }

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
        LinuxOnly.Require("Client", LinuxOnly.ConnectionsInstead);
        ArgumentNullException.ThrowIfNull(endpoint);
        IpcAddress.CheckKey(authKey);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= ConnectionOptions.Default;

        // Connecting and the handshake block (see Handshake), so they run on the pool; cancelling closes the socket.
        Socket socket = IpcAddress.CreateSocket(endpoint);
        using CancellationTokenRegistration abort = cancellationToken.Register(socket.Dispose);
        try
        {
            return await Task.Run(() => Open(socket, endpoint, authKey, options), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private static Connection Open(Socket socket, EndPoint endpoint, byte[] authKey, ConnectionOptions options)
    {
        string address = IpcAddress.Format(endpoint);
        try
        {
            try
            {
                socket.Connect(endpoint);
            }
            catch (SocketException e) when (endpoint is UnixDomainSocketEndPoint && e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused)
            {
                throw new FileNotFoundException($"No listener at {address}: the socket does not exist or nobody is listening on it.", endpoint.ToString(), e);
            }

            Handshake.ClientSide(socket, authKey, options.HandshakeTimeout, $"the listener at {address}");
            return new Connection(socket, options, $"a connection to {address}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

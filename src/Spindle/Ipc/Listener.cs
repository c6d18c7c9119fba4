using System.Net;
using System.Net.Sockets;
using Spindle.Interop;

namespace Spindle.Ipc;

/// <summary>
/// Accepts authenticated connections on a Unix-domain socket or TCP, like <c>multiprocessing.connection.Listener</c>
/// with an authkey. Only peers that prove they hold the same key get a <see cref="Connection"/>.
/// </summary>
public sealed class Listener : IDisposable, IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _authKey;
    private readonly ConnectionOptions _options;
    private readonly string? _ownedDirectory;
    private readonly string? _socketPath;
    private int _disposed;

    /// <summary>Listens on a fresh Unix-domain socket in this user's private runtime directory (see <see cref="Address"/>).</summary>
    public Listener(byte[] authKey, ConnectionOptions? options = null)
        : this(PrivateEndpoint(out string directory), authKey, options)
    {
        _ownedDirectory = directory;
    }

    /// <summary>Listens on <paramref name="address"/>: <c>unix:/path/to.sock</c>, <c>tcp:127.0.0.1:PORT</c> (port 0 picks one) or <c>tcp:[::1]:PORT</c>.</summary>
    public Listener(string address, byte[] authKey, ConnectionOptions? options = null)
        : this(ParseListenAddress(address), authKey, options)
    {
    }

    /// <summary>Listens on <paramref name="endpoint"/>, a <see cref="UnixDomainSocketEndPoint"/> or an <see cref="IPEndPoint"/>.</summary>
    public Listener(EndPoint endpoint, byte[] authKey, ConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        IpcAddress.CheckKey(authKey);
        _authKey = (byte[])authKey.Clone();
        _options = options ?? ConnectionOptions.Default;
        _socket = IpcAddress.CreateSocket(endpoint);
        try
        {
            _socket.Bind(endpoint);
            _socket.Listen(64);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            _socket.Dispose();
            throw new IOException($"Cannot listen on {IpcAddress.Format(endpoint)}: the address is in use.", e);
        }

        Endpoint = _socket.LocalEndPoint!;
        _socketPath = endpoint is UnixDomainSocketEndPoint ? endpoint.ToString() : null;
        Address = IpcAddress.Format(Endpoint);
    }

    /// <summary>The endpoint listened on, with the port filled in when 0 was asked for.</summary>
    public EndPoint Endpoint { get; }

    /// <summary>The address as text, for <see cref="Client.Connect(string, byte[], ConnectionOptions?)"/> in another process.</summary>
    public string Address { get; }

    /// <summary>Waits for the next client and authenticates it.</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The client's key differs, or it did not finish the handshake in time; the listener keeps listening.</exception>
    public Connection Accept()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Socket socket;
        try
        {
            socket = _socket.Accept();
        }
        catch (SocketException e) when (_disposed != 0)
        {
            throw new ObjectDisposedException(nameof(Listener), e);
        }

        return Authenticate(socket);
    }

    /// <summary>Waits asynchronously for the next client and authenticates it.</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The client's key differs, or it did not finish the handshake in time; the listener keeps listening.</exception>
    public async ValueTask<Connection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Socket socket;
        try
        {
            socket = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e) when (_disposed != 0)
        {
            throw new ObjectDisposedException(nameof(Listener), e);
        }

        // The handshake blocks (see Handshake), so it runs on the pool; cancelling closes the half-made connection.
        using CancellationTokenRegistration abort = cancellationToken.Register(socket.Dispose);
        try
        {
            return await Task.Run(() => Authenticate(socket), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private Connection Authenticate(Socket socket)
    {
        try
        {
            if (socket.AddressFamily != AddressFamily.Unix)
            {
                socket.NoDelay = true;
            }

            Handshake.ListenerSide(socket, _authKey, _options.HandshakeTimeout, $"connecting to {Address}");
            return new Connection(socket, _options, $"a connection accepted on {Address}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Stops listening; a pending <see cref="AcceptAsync"/> fails with <see cref="ObjectDisposedException"/>. Connections already accepted stay open.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _socket.Dispose();
        if (_socketPath is not null)
        {
            File.Delete(_socketPath);
        }

        if (_ownedDirectory is not null)
        {
            RuntimeDirectory.Delete(_ownedDirectory);
        }
    }

    /// <summary>Stops listening (see <see cref="Dispose"/>).</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static EndPoint PrivateEndpoint(out string directory)
    {
        directory = RuntimeDirectory.CreateOwnerDirectory();
        return new UnixDomainSocketEndPoint(Path.Combine(directory, "listener.sock"));
    }

    private static EndPoint ParseListenAddress(string address) =>
        address is not null && address.StartsWith("tcp:", StringComparison.Ordinal) && address.EndsWith(":0", StringComparison.Ordinal)
            && IPEndPoint.TryParse(address[4..], out IPEndPoint? any)
            ? any
            : IpcAddress.Parse(address!, nameof(address));
}

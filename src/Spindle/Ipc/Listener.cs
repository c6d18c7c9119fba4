using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Threading.Channels;
using Spindle.Interop;

namespace Spindle.Ipc;

/// <summary>
/// Accepts authenticated connections on a Unix-domain socket or TCP, like <c>multiprocessing.connection.Listener</c>
/// with an authkey. Only peers that prove they hold the same key get a <see cref="Connection"/>.
/// </summary>
/// <remarks>
/// Handshakes run in the background from the moment the listener exists, many at once (see
/// <see cref="ConnectionOptions.MaxPendingHandshakes"/>), so a peer that connects and says nothing holds up no one.
/// <see cref="AcceptAsync"/> returns authenticated connections in the order their handshakes finished; peers that fail
/// or stall are closed and counted in <see cref="RejectedConnections"/>, never thrown at the caller.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class Listener : IDisposable, IAsyncDisposable
{
    private readonly AcceptLoop _loop;
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
        LinuxOnly.Require("Listener", LinuxOnly.ConnectionsInstead);
        ArgumentNullException.ThrowIfNull(endpoint);
        IpcAddress.CheckKey(authKey);
        Socket socket = IpcAddress.CreateSocket(endpoint);
        try
        {
            socket.Bind(endpoint);

            // Room for a burst of clients (and a flood) to wait while the pending handshakes are full.
            socket.Listen(512);
            Endpoint = socket.LocalEndPoint!;
            Address = IpcAddress.Format(Endpoint);
            _loop = new AcceptLoop(socket, (byte[])authKey.Clone(), options ?? ConnectionOptions.Default, Address);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            string what = endpoint is UnixDomainSocketEndPoint ? " (by a listening socket, or by any other file at that path)" : string.Empty;
            throw new IOException($"Cannot listen on {IpcAddress.Format(endpoint)}: the address is in use{what}.", e);
        }
        catch (SocketException e) when (endpoint is UnixDomainSocketEndPoint && Path.GetDirectoryName(endpoint.ToString()) is { Length: > 0 } directory && !Directory.Exists(directory))
        {
            // The kernel says only "cannot assign requested address".
            socket.Dispose();
            throw new DirectoryNotFoundException($"Cannot listen on {IpcAddress.Format(endpoint)}: its directory {directory} does not exist.", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socketPath = endpoint is UnixDomainSocketEndPoint ? endpoint.ToString() : null;
    }

    /// <summary>The endpoint listened on, with the port filled in when 0 was asked for.</summary>
    public EndPoint Endpoint { get; }

    /// <summary>The address as text, for <see cref="Client.Connect(string, byte[], ConnectionOptions?)"/> in another process.</summary>
    public string Address { get; }

    /// <summary>How many connections were closed without being authenticated: a wrong key, garbage, a peer that left or did not finish within <see cref="ConnectionOptions.HandshakeTimeout"/>, or one pushed out by newer ones past <see cref="ConnectionOptions.MaxPendingHandshakes"/>.</summary>
    public long RejectedConnections => _loop.RejectedConnections;

    /// <summary>Waits for the next authenticated client.</summary>
    /// <exception cref="ObjectDisposedException">The listener was disposed, before or during the wait.</exception>
    /// <exception cref="IOException">The listener's background accept loop failed; the inner exception says why.</exception>
    public Connection Accept() => AcceptAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Waits asynchronously for the next authenticated client.</summary>
    /// <exception cref="ObjectDisposedException">The listener was disposed, before or during the wait.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; no connection is lost, the next call gets it.</exception>
    /// <exception cref="IOException">The listener's background accept loop failed; the inner exception says why.</exception>
    public async ValueTask<Connection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            return await _loop.Authenticated.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e) when (e.InnerException is null || _disposed != 0)
        {
            throw new ObjectDisposedException(nameof(Listener), e);
        }
        catch (ChannelClosedException e)
        {
            throw new IOException($"The listener on {Address} stopped accepting connections: {e.InnerException!.Message}", e.InnerException);
        }
    }

    /// <summary>
    /// Stops listening and closes unfinished handshakes and connections nobody accepted; a pending
    /// <see cref="AcceptAsync"/> fails with <see cref="ObjectDisposedException"/>. Connections already accepted stay open.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _loop.Dispose();
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
        LinuxOnly.Require("Listener", LinuxOnly.ConnectionsInstead);
        directory = RuntimeDirectory.CreateOwnerDirectory();
        return new UnixDomainSocketEndPoint(Path.Combine(directory, "listener.sock"));
    }

    private static EndPoint ParseListenAddress(string address) =>
        address is not null && address.StartsWith("tcp:", StringComparison.Ordinal) && address.EndsWith(":0", StringComparison.Ordinal)
            && IPEndPoint.TryParse(address[4..], out IPEndPoint? any)
            ? any
            : IpcAddress.Parse(address!, nameof(address));
}

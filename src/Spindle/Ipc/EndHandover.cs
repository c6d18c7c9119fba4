using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Spindle.Interop;

namespace Spindle.Ipc;

/// <summary>
/// Moves a connection's socket to another process. The owner listens on a Unix socket in its private runtime
/// directory (0700, per user); a process that knows an offered name connects, sends the name's one-time token and
/// receives the socket itself (SCM_RIGHTS). The owner then closes its copy, so the peer's end-of-stream follows the
/// new owner's lifetime.
/// </summary>
[SupportedOSPlatform("linux")]
internal static partial class EndHandover
{
    private const int TokenChars = 32;
    private const int ReplyBytes = 6;

    private static readonly ConcurrentDictionary<string, Offered> Offers = new(StringComparer.Ordinal);
    private static readonly Lazy<string> Directory = new(Start);

    private sealed record Offered(Socket Socket, int MaxMessageBytes, bool CanSend, bool CanReceive);

    public static string Offer(Socket socket, int maxMessageBytes, bool canSend, bool canReceive)
    {
        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenChars / 2));
        Offers[token] = new Offered(socket, maxMessageBytes, canSend, canReceive);
        return $"{Path.GetFileName(Directory.Value)}/{token}";
    }

    /// <summary>Withdraws an offer nobody redeemed and closes its socket; false if it was already handed over.</summary>
    public static bool Revoke(string name)
    {
        string token = name[(name.IndexOf('/', StringComparison.Ordinal) + 1)..];
        if (Offers.TryRemove(token, out Offered? offer))
        {
            offer.Socket.Dispose();
            return true;
        }

        return false;
    }

    public static Connection Open(string name)
    {
        LinuxOnly.Require("Connection.Open", LinuxOnly.ConnectionsInstead);
        ArgumentNullException.ThrowIfNull(name);
        Match match = NamePattern().Match(name);
        if (!match.Success)
        {
            throw new ArgumentException($"'{name}' is not the name of a transferred connection end (expected 'PID-OWNER/TOKEN', as Connection.Transfer returns).", nameof(name));
        }

        string path = Path.Combine(RuntimeDirectory.UserRoot, match.Groups[1].Value, "handover.sock");
        using var channel = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            channel.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused or SocketError.AddressFamilyNotSupported)
        {
            throw NotFound(name, "its owner process has exited", e);
        }

        channel.ReceiveTimeout = 30_000;
        channel.Send(Encoding.ASCII.GetBytes(match.Groups[2].Value));
        Span<byte> reply = stackalloc byte[ReplyBytes];
        int received = Native.ReceiveWithDescriptor(channel, reply, out Socket? socket);
        if (received != ReplyBytes || reply[0] != 1 || socket is null)
        {
            socket?.Dispose();
            throw NotFound(name, "it was already opened, or never offered", null);
        }

        var options = new ConnectionOptions { MaxMessageBytes = BinaryPrimitives.ReadInt32LittleEndian(reply[1..]) };
        return new Connection(socket, options, "a transferred connection end", canSend: (reply[5] & 1) != 0, canReceive: (reply[5] & 2) != 0);
    }

    private static FileNotFoundException NotFound(string name, string why, Exception? inner) =>
        new($"No connection end named '{name}' is waiting to be opened: {why}.", name, inner);

    private static string Start()
    {
        string directory = RuntimeDirectory.CreateOwnerDirectory();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(directory, "handover.sock")));
        listener.Listen(16);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RuntimeDirectory.Delete(directory);
        var thread = new Thread(() => Serve(listener)) { IsBackground = true, Name = "Spindle connection handover" };
        thread.Start();
        return directory;
    }

    private static void Serve(Socket listener)
    {
        while (true)
        {
            using Socket client = listener.Accept();
            try
            {
                Answer(client);
            }
            catch (SocketException)
            {
                // The opener went away mid-request: the offer stays for another attempt unless it was already handed over.
            }
        }
    }

    private static void Answer(Socket client)
    {
        client.ReceiveTimeout = 5_000;
        byte[] token = new byte[TokenChars];
        int read = 0;
        while (read < TokenChars)
        {
            int n = client.Receive(token, read, TokenChars - read, SocketFlags.None);
            if (n == 0)
            {
                return;
            }

            read += n;
        }

        Span<byte> reply = stackalloc byte[ReplyBytes];
        if (!Offers.TryRemove(Encoding.ASCII.GetString(token), out Offered? offer))
        {
            client.Send(reply);
            return;
        }

        reply[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(reply[1..], offer.MaxMessageBytes);
        reply[5] = (byte)((offer.CanSend ? 1 : 0) | (offer.CanReceive ? 2 : 0));
        Native.SendWithDescriptor(client, reply, offer.Socket);
        offer.Socket.Dispose();
    }

    [GeneratedRegex("^([0-9]+-[0-9a-f]{12})/([0-9a-f]{32})$")]
    private static partial Regex NamePattern();
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace Spindle.Ipc;

/// <summary>Addresses as text, so they can be passed to a worker: <c>unix:/path/to.sock</c>, <c>tcp:127.0.0.1:5000</c>, <c>tcp:[::1]:5000</c>.</summary>
[SupportedOSPlatform("linux")]
internal static class IpcAddress
{
    public static EndPoint Parse(string address, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address, paramName);
        if (address.StartsWith("unix:", StringComparison.Ordinal) && address.Length > 5)
        {
            try
            {
                return new UnixDomainSocketEndPoint(address[5..]);
            }
            catch (ArgumentOutOfRangeException e)
            {
                // Its own message names its parameter 'path', which the caller never wrote.
                throw new ArgumentException(
                    $"'{address}' is not a usable Unix socket address: its path is {System.Text.Encoding.UTF8.GetByteCount(address[5..])} bytes, " +
                    "more than a Unix socket path can hold (107 on Linux); use a shorter path.", paramName, e);
            }
        }

        if (address.StartsWith("tcp:", StringComparison.Ordinal) && IPEndPoint.TryParse(address[4..], out IPEndPoint? ip) && ip.Port != 0)
        {
            return ip;
        }

        throw new ArgumentException($"'{address}' is not an address: use unix:/path/to.sock, tcp:127.0.0.1:PORT or tcp:[::1]:PORT.", paramName);
    }

    public static string Format(EndPoint endpoint) => endpoint switch
    {
        UnixDomainSocketEndPoint unix => "unix:" + unix,
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => string.Create(CultureInfo.InvariantCulture, $"tcp:[{ip.Address}]:{ip.Port}"),
        IPEndPoint ip => string.Create(CultureInfo.InvariantCulture, $"tcp:{ip.Address}:{ip.Port}"),
        _ => throw new ArgumentException($"Only Unix-domain and IP endpoints are supported, not {endpoint.GetType().Name}.", nameof(endpoint)),
    };

    public static Socket CreateSocket(EndPoint endpoint)
    {
        var socket = endpoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        return socket;
    }

    public static void CheckKey(byte[] authKey)
    {
        ArgumentNullException.ThrowIfNull(authKey);
        if (authKey.Length == 0)
        {
            throw new ArgumentException("The authentication key is empty; use at least 16 random bytes shared by both sides.", nameof(authKey));
        }
    }
}

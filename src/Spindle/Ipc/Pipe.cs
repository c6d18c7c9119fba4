using System.Runtime.Versioning;
using Spindle.Interop;

namespace Spindle.Ipc;

/// <summary>
/// Two connected <see cref="Connection"/> ends, like Python's <c>multiprocessing.Pipe</c>. Keep one end and give the
/// other to a worker (pass it to the worker, or <see cref="Connection.Transfer"/> it and open the name there).
/// </summary>
[SupportedOSPlatform("linux")]
public static class Pipe
{
    /// <summary>Creates a two-way pipe: both ends send and receive.</summary>
    public static (Connection First, Connection Second) Create(ConnectionOptions? options = null) => Create(duplex: true, options);

    /// <summary>
    /// Creates a pipe; when <paramref name="duplex"/> is false, the first end only receives and the second only sends
    /// (the order of Python's <c>Pipe(duplex=False)</c>).
    /// </summary>
    public static (Connection First, Connection Second) Create(bool duplex, ConnectionOptions? options = null)
    {
        LinuxOnly.Require("Pipe", LinuxOnly.ConnectionsInstead);
        options ??= ConnectionOptions.Default;
        (System.Net.Sockets.Socket first, System.Net.Sockets.Socket second) = Native.CreateSocketPair();
        return (
            new Connection(first, options, "a pipe end", canSend: duplex, canReceive: true),
            new Connection(second, options, "a pipe end", canSend: true, canReceive: duplex));
    }
}

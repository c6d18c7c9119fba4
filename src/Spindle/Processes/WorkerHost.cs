using System.Buffers.Binary;
using System.Net.Sockets;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Wire;

namespace Spindle.Processes;

/// <summary>
/// What runs inside a worker process: connect back to the parent over the private channel, prove itself with
/// the token, then serve calls one at a time until the parent closes the channel or goes away.
/// </summary>
public static class WorkerHost
{
    private static volatile bool _hookInstalled;

    // Kept alive for the worker's lifetime: disposing the registration would restore the default (terminate).
    private static System.Runtime.InteropServices.PosixSignalRegistration? _ignoreInterrupt;

    /// <summary>Whether <see cref="RunIfWorker"/> was called in this process (so it may restart itself as a worker).</summary>
    internal static bool HookInstalled => _hookInstalled;

    /// <summary>
    /// Needed only in self-contained and single-file apps, as the first line of <c>Main</c>: if this process was
    /// started as a Spindle worker, serve calls and exit; otherwise return at once.
    /// </summary>
    public static void RunIfWorker()
    {
        _hookInstalled = true;
        if (WorkerEnvironment.IsWorker)
        {
            Environment.Exit(Run());
        }
    }

    /// <summary>Serves calls until the parent closes the channel; returns the process exit code.</summary>
    internal static int Run()
    {
        CallRunner.WarmUpInvoke();
        WorkerEnvironment environment = WorkerEnvironment.ReadAndClear();
        Native.DieWithParent();
        if (Native.IsLinux && Native.ParentProcessId() != environment.ParentProcessId)
        {
            // The parent died before the death signal was armed.
            return 70;
        }

        // Ctrl+C in a terminal reaches the whole process group, workers included. The parent decides what an interrupt
        // means (finish, cancel or terminate its pools); a worker ends through its parent, never on its own.
        _ignoreInterrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, context => context.Cancel = true);

        if (environment.MemoryLimit is { } limit)
        {
            Native.LimitMemory(limit);
        }

        // A serializer that cannot be created fails the start, before connecting, so the parent reports it as such.
        ICallSerializer? serializer = CreateSerializer(environment.SerializerType);

        // Connect as early as possible: the parent admits the connections and sends the first call while this thread
        // builds the codec and the session.
        using FrameSocket data = Connect(environment, ChannelRole.Data);
        using FrameSocket control = Connect(environment, ChannelRole.Control);
        var session = new WorkerSession(data, control, new CallRunner(new ValueCodec(serializer)), environment.OneShot, environment.MemoryLimit);
        return session.Serve();
    }

    /// <summary>
    /// Hex to bytes with a plain loop: <see cref="Convert.FromHexString(string)"/> is vectorized code that a fresh
    /// process compiles first, a couple of milliseconds of a worker's start.
    /// </summary>
    private static void WriteToken(string hex, Span<byte> token)
    {
        if (hex.Length != token.Length * 2)
        {
            throw new InvalidOperationException($"The worker's token has {hex.Length} hex digits; expected {token.Length * 2}.");
        }

        for (int i = 0; i < token.Length; i++)
        {
            token[i] = (byte)((HexDigit(hex[2 * i]) << 4) | HexDigit(hex[(2 * i) + 1]));
        }
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => throw new InvalidOperationException($"The worker's token has '{c}' where a hex digit belongs."),
    };

    private static ICallSerializer? CreateSerializer(string? typeName) =>
        typeName is null ? null : (ICallSerializer)Activator.CreateInstance(ValueCodec.ResolveType(typeName))!;

    /// <summary>Off Linux: a managed socket (kept out of <see cref="Connect"/> so Linux workers never load System.Net.Sockets).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static FrameSocket ConnectSocket(string path, int maxMessageBytes)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return new FrameSocket(socket, maxMessageBytes);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static FrameSocket Connect(WorkerEnvironment environment, ChannelRole role)
    {
        Span<byte> hello = stackalloc byte[Frame.HeaderSize + ChannelListener.HelloBytes];
        BinaryPrimitives.WriteInt32LittleEndian(hello, ChannelListener.HelloBytes);
        hello[4] = (byte)FrameKind.Hello;
        Span<byte> payload = hello[Frame.HeaderSize..];
        WriteToken(environment.TokenHex, payload[..ChannelListener.TokenBytes]);
        BinaryPrimitives.WriteInt64LittleEndian(payload[ChannelListener.TokenBytes..], environment.WorkerId);
        payload[ChannelListener.TokenBytes + 8] = (byte)role;
        BinaryPrimitives.WriteInt32LittleEndian(payload[(ChannelListener.TokenBytes + 9)..], Environment.ProcessId);
        FrameSocket frames = Native.IsLinux
            ? new FrameSocket(Native.ConnectUnixDescriptor(environment.ChannelPath), environment.MaxMessageBytes)
            : ConnectSocket(environment.ChannelPath, environment.MaxMessageBytes);
        frames.Send(hello);
        return frames;
    }
}

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

        ValueCodec codec = new(CreateSerializer(environment.SerializerType));

        // While the parent accepts our connections, compile the call path on the other core: the first real call
        // then runs warm instead of paying for the JIT.
        var warmUp = new Thread(() => WarmUp(codec)) { IsBackground = true, Name = "Spindle worker warm-up" };
        warmUp.Start();
        using FrameSocket data = Connect(environment, ChannelRole.Data);
        using FrameSocket control = Connect(environment, ChannelRole.Control);
        var session = new WorkerSession(data, control, new CallRunner(codec), environment.OneShot, environment.MemoryLimit);
        return session.Serve();
    }

    /// <summary>Runs one call to <see cref="Echo"/> through the whole encode → decode → invoke → encode path.</summary>
    private static void WarmUp(ValueCodec codec)
    {
        Func<int, int> echo = Echo;
        using var call = new WireWriter();
        using var result = new WireWriter();
        CallWriter.Write(call, codec, callId: 0, CallFlags.None, MethodTemplate.For(echo, nameof(echo)), echo.Target, [1], nameof(echo));
        new CallRunner(codec).Run(call.WrittenSpan[Frame.HeaderSize..], result, CancellationToken.None);
        var reader = new WireReader(result.WrittenSpan[Frame.HeaderSize..]);
        reader.ReadInt64();
        reader.ReadByte();
        codec.Read(ref reader, typeof(int));
    }

    private static int Echo(int value) => value;

    private static ICallSerializer? CreateSerializer(string? typeName) =>
        typeName is null ? null : (ICallSerializer)Activator.CreateInstance(ValueCodec.ResolveType(typeName))!;

    private static FrameSocket Connect(WorkerEnvironment environment, ChannelRole role)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(environment.ChannelPath));
        Span<byte> hello = stackalloc byte[Frame.HeaderSize + ChannelListener.HelloBytes];
        BinaryPrimitives.WriteInt32LittleEndian(hello, ChannelListener.HelloBytes);
        hello[4] = (byte)FrameKind.Hello;
        Span<byte> payload = hello[Frame.HeaderSize..];
        Convert.FromHexString(environment.TokenHex).CopyTo(payload);
        BinaryPrimitives.WriteInt64LittleEndian(payload[ChannelListener.TokenBytes..], environment.WorkerId);
        payload[ChannelListener.TokenBytes + 8] = (byte)role;
        BinaryPrimitives.WriteInt32LittleEndian(payload[(ChannelListener.TokenBytes + 9)..], Environment.ProcessId);
        var frames = new FrameSocket(socket, environment.MaxMessageBytes);
        frames.Send(hello);
        return frames;
    }
}

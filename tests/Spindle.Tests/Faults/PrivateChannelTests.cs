using System.Buffers.Binary;
using System.Net.Sockets;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tests.Support;
using Spindle.Workers;

namespace Spindle.Tests.Faults;

/// <summary>A rogue client on the private channel is refused and harms nothing.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class PrivateChannelTests
{
    [Fact]
    public async Task ChannelDirectoryAndSocket_AreOwnerOnly()
    {
        await using WorkerPool pool = TestPools.Process();
        ChannelListener listener = pool.Listener!;

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(RuntimeDirectory.UserRoot));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(listener.Directory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(listener.SocketPath));
    }

    [Theory]
    [InlineData("wrong token")]
    [InlineData("garbage")]
    [InlineData("huge length")]
    [InlineData("right token, unknown worker")]
    public async Task RogueClient_IsRefused_AndThePoolServesOn(string attack)
    {
        await using WorkerPool pool = TestPools.Process();
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("first call");
        ChannelListener listener = pool.Listener!;
        int rejectedBefore = listener.RejectedConnections;

        using var rogue = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await rogue.ConnectAsync(new UnixDomainSocketEndPoint(listener.SocketPath));
        await rogue.SendAsync(Hello(attack, listener.TokenHex));

        byte[] buffer = new byte[16];
        using var timeout = new CancellationTokenSource(Bounded.Unexpected);
        int read = await rogue.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(0, read);
        await Bounded.Eventually(() => listener.RejectedConnections == rejectedBefore + 1, "the rogue connection is counted as refused");
        Assert.Equal(pid, await pool.RunAsync(() => Environment.ProcessId).Within("call after the attack"));
    }

    [Fact]
    public async Task OversizedMessages_AreRefusedAtBothEnds_WithoutHarmingTheWorker()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.MaxMessageBytes = 4096);
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("first call");

        var tooBigArgument = CallSite.Throws<ArgumentException>(() => pool.RunAsync(s => s.Length, new string('x', 10_000)));
        var tooBigResult = await Assert.ThrowsAsync<Spindle.Calls.RemoteException>(() => pool.RunAsync(() => new string('y', 10_000)).Within("oversized result"));

        Assert.Contains("MaxMessageBytes", tooBigArgument.Message, StringComparison.Ordinal);
        Assert.Contains("MaxMessageBytes", tooBigResult.Message, StringComparison.Ordinal);
        Assert.Equal(pid, await pool.RunAsync(() => Environment.ProcessId).Within("call after the refusals"));
    }

    private static byte[] Hello(string attack, string tokenHex)
    {
        byte[] frame = new byte[5 + ChannelListener.HelloBytes];
        BinaryPrimitives.WriteInt32LittleEndian(frame, ChannelListener.HelloBytes);
        frame[4] = 1;
        byte[] token = Convert.FromHexString(tokenHex);
        switch (attack)
        {
            case "wrong token":
                token[0] ^= 0xFF;
                token.CopyTo(frame, 5);
                break;
            case "garbage":
                Random.Shared.NextBytes(frame);
                break;
            case "huge length":
                BinaryPrimitives.WriteInt32LittleEndian(frame, int.MaxValue);
                break;
            default:
                token.CopyTo(frame, 5);
                BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(5 + ChannelListener.TokenBytes), long.MaxValue);
                break;
        }

        return frame;
    }
}

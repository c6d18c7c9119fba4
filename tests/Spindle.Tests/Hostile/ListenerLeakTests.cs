using Spindle.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>A listener that has been flooded and disposed leaves no descriptor and no thread behind.</summary>
[Collection(SerialCollection.Name)]
public class ListenerLeakTests
{
    [Fact]
    public async Task FloodThenDispose_LeavesNoDescriptorOrThreadBehind()
    {
        // Once, so what a process sets up on first use (the socket engine's epoll, the thread pool) is in the baseline.
        await FloodAndDisposeAsync("unix");
        await FloodAndDisposeAsync("tcp:127.0.0.1:0");
        int before = OpenDescriptors();

        for (int round = 0; round < 3; round++)
        {
            await FloodAndDisposeAsync("unix");
            await FloodAndDisposeAsync("tcp:127.0.0.1:0");
        }

        await Bounded.Eventually(() => OpenDescriptors() <= before, $"descriptors are back to {before} (now {OpenDescriptors()})");
        await Bounded.Eventually(() => ListenerThreads().Count == 0, "every listener's thread has exited");
    }

    private static async Task FloodAndDisposeAsync(string address)
    {
        Listener listener = ListenerFloodTests.Listen(address, new ConnectionOptions { MaxPendingHandshakes = 8, HandshakeTimeout = TimeSpan.FromHours(1) });
        var peers = new List<RawPeer>();
        try
        {
            for (int i = 0; i < 20; i++)
            {
                peers.Add(await RawPeer.ConnectAsync(listener.Endpoint));
            }

            await peers[^1].ReadOpeningAsync();
            await ListenerFloodTests.RealClientGetsInAsync(listener);
            using Connection unaccepted = await Client.ConnectAsync(listener.Address, ListenerFloodTests.Key).AsTask().Promptly("a client nobody accepts");
            Assert.NotEmpty(ListenerThreads());
        }
        finally
        {
            listener.Dispose();
            peers.ForEach(peer => peer.Dispose());
        }
    }

    private static int OpenDescriptors() => Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();

    /// <summary>The kernel's names of this process's threads that are a listener's accept loop (cut to 15 characters).</summary>
    private static List<string> ListenerThreads()
    {
        var names = new List<string>();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                names.Add(File.ReadAllText(Path.Combine(task, "comm")).Trim());
            }
            catch (IOException)
            {
                // The thread exited while we looked.
            }
        }

        return names.FindAll(name => name.StartsWith("Spindle listen", StringComparison.Ordinal));
    }
}

using Spindle.Lab.Experiments.Channels;
using Spindle.Interop;

namespace Spindle.Lab.Tests.Running;

/// <summary>A channel whose peer dies before connecting must fail with the peer's error, not hang in open(2).</summary>
public sealed class PeerGuardTests
{
    [Fact]
    public async Task UntilOpened_PeerFailsWhileThisSideBlocksOnAFifo_ReleasesItAndThrowsThePeersError()
    {
        string directory = Directory.CreateTempSubdirectory("peer-guard-").FullName;
        try
        {
            PipeLink.Create(directory);

            // Blocks in open(2) until a reader of "up" appears: the peer that would have opened it never will.
            Task<PipeLink> opening = Task.Run(() => PipeLink.Open(directory, 64, opener: true));
            Task<int> peer = Task.FromException<int>(new IOException("the peer could not start"));
            IOException error = await Assert.ThrowsAsync<IOException>(
                () => PeerGuard.UntilOpenedAsync(opening, peer, () => Lab.Os.LabNative.ReleaseBlockedOpens(PipeLink.Fifos(directory))).WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal("the peer could not start", error.Message);
            Assert.True(opening.IsCompleted, "the blocked open was not released");
            if (opening.IsCompletedSuccessfully)
            {
                (await opening).Dispose();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

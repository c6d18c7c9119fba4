using System.Diagnostics;
using System.Runtime.InteropServices;
using Spindle.Sync;
using Spindle.Tests.Support;
using Spindle.Interop;

namespace Spindle.Tests.Sync;

public class HolderWatchTests
{
    [Fact]
    public async Task WatchedProcessKilled_TheKernelReportsIt_AndTheWordIsBumped()
    {
        using Process sleeper = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        nint word = Marshal.AllocHGlobal(4);
        Marshal.WriteInt32(word, 0);
        try
        {
            HolderWatch.Registration? watch = Watch(sleeper.Id, word);
            Assert.NotNull(watch); // pidfd_open exists since Linux 5.3
            Assert.False(watch.HolderDied);
            sleeper.Kill();
            await Bounded.Eventually(() => watch.HolderDied, "the watcher reports the killed process");
            Assert.Equal(1, Marshal.ReadInt32(word));
            HolderWatch.Unwatch(watch);
        }
        finally
        {
            Marshal.FreeHGlobal(word);
        }
    }

    private static unsafe HolderWatch.Registration? Watch(int pid, nint word) => HolderWatch.Watch(pid, (int*)word);
}

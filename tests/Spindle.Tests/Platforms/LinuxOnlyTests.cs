using Spindle.Interop;

namespace Spindle.Tests.Platforms;

public class LinuxOnlyTests
{
    [Fact]
    public void Message_NamesWhatNeedsLinux_TheSystem_AndWhatWorksInstead()
    {
        string message = LinuxOnly.Message("Isolation.Process", LinuxOnly.ThreadIsolationInstead, "Microsoft Windows 10.0.26100");

        Assert.Equal(
            "Isolation.Process needs Linux (x64 or arm64, kernel 5.4 or later); this system is Microsoft Windows 10.0.26100. " +
            "Use Isolation.Thread on other systems.",
            message);
    }

    [Fact]
    public void NotSupported_IsPlatformNotSupportedException_WithTheMessage()
    {
        PlatformNotSupportedException e = LinuxOnly.NotSupported("WorkerPoolOptions.MemoryLimit", "leave it null on other systems");

        Assert.StartsWith("WorkerPoolOptions.MemoryLimit needs Linux", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("Leave it null on other systems.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_OnLinux_DoesNotThrow()
    {
        Assert.True(LinuxOnly.IsSupported);

        LinuxOnly.Require("SharedMemory", LinuxOnly.SharedObjectsInstead);
    }
}

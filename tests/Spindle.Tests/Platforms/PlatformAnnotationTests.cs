using System.Reflection;
using System.Runtime.Versioning;
using Spindle;
using Spindle.Pools;

namespace Spindle.Tests.Platforms;

/// <summary>The platform analyzer warns users only about what carries <see cref="SupportedOSPlatformAttribute"/>: keep the marks true.</summary>
public class PlatformAnnotationTests
{
    private static readonly string[] LinuxOnlyNamespaces = ["Spindle.Ipc", "Spindle.Shared", "Spindle.Sync"];

    [Fact]
    public void LinuxOnlyPublicTypes_AllCarrySupportedOSPlatformLinux()
    {
        Type[] linuxOnly = typeof(WorkerPool).Assembly.GetExportedTypes()
            .Where(t => LinuxOnlyNamespaces.Contains(t.Namespace))
            .Append(typeof(WorkerProcess))
            .ToArray();
        Assert.Contains(typeof(Spindle.Ipc.Pipe), linuxOnly);
        Assert.Contains(typeof(Spindle.Shared.SharedArray<>), linuxOnly);
        Assert.Contains(typeof(Spindle.Sync.SharedLock), linuxOnly);

        string[] unmarked = linuxOnly.Where(t => !IsMarkedLinux(t)).Select(t => t.FullName!).Order().ToArray();

        Assert.True(unmarked.Length == 0, $"Public types that need Linux but do not say so: {string.Join(", ", unmarked)}.");
    }

    [Theory]
    [InlineData(typeof(WorkerPool))]
    [InlineData(typeof(WorkerPoolOptions))]
    [InlineData(typeof(WorkerThread))]
    [InlineData(typeof(Isolation))]
    [InlineData(typeof(WorkerHost))]
    public void CrossPlatformType_IsNotMarkedLinuxOnly(Type type)
    {
        // Thread isolation works everywhere: marking these would warn every caller on every system.
        Assert.False(IsMarkedLinux(type), $"{type.FullName} works on every system with threads and must not be marked Linux-only.");
    }

    // A nested type is covered by the mark on the type that contains it.
    private static bool IsMarkedLinux(Type type) =>
        type.GetCustomAttributes<SupportedOSPlatformAttribute>().Any(a => a.PlatformName == "linux")
        || (type.DeclaringType is { } outer && IsMarkedLinux(outer));
}

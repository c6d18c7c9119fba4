namespace Spindle.Tests.Support;

/// <summary>This process's open descriptors, for leak tests.</summary>
internal static class OpenDescriptors
{
    /// <summary>
    /// Open descriptors other than code images: the runtime keeps an assembly's file open once it loads it, and a
    /// loop may load a framework assembly for the first time — that is not a leak. Sockets, pipes and files are counted.
    /// </summary>
    public static int Count() =>
        Directory.GetFiles("/proc/self/fd").Count(fd =>
        {
            try
            {
                string? target = new FileInfo(fd).LinkTarget;
                return target is null || !(target.EndsWith(".dll", StringComparison.Ordinal) || target.EndsWith(".so", StringComparison.Ordinal));
            }
            catch (IOException)
            {
                return false; // closed while we looked
            }
        });
}

using System.Globalization;
using System.Runtime.Versioning;
using Spindle.Interop;

namespace Spindle.Shared;

/// <summary>
/// Anonymous segments: the roads that carry large call values use segments that never have a name in the directory.
/// The creator makes an unnamed tmpfs file (<c>O_TMPFILE</c>, in the same per-user directory, so the same filesystem
/// and its limits) and keeps its descriptor; a peer opens it through <c>/proc/{creator}/fd/{descriptor}</c>. The
/// pages live as long as some process maps them or holds the descriptor, so whichever side dies, however it dies,
/// the kernel frees them: nothing can be left behind in shared memory.
/// </summary>
internal sealed unsafe partial class Segment
{
    private const int OpenTemporaryFile = 0x410000; // O_TMPFILE | O_DIRECTORY

    private int _descriptor = -1;

    /// <summary>How a peer opens this anonymous segment (see <see cref="OpenAnonymous"/>); null for a named one.</summary>
    public string? Reference => _descriptor < 0 ? null
        : $"/proc/{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}/fd/{_descriptor.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Creates an anonymous segment of raw bytes; <paramref name="label"/> names it in messages only.</summary>
    [SupportedOSPlatform("linux")]
    public static Segment CreateAnonymous(string label, long dataLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dataLength);
        string directory = SegmentDirectory.Path;
        int fd = SegmentNative.Open(directory, SegmentNative.OpenReadWrite | OpenTemporaryFile | SegmentNative.OpenCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"Could not create an unnamed shared-memory file in {directory} for '{label}': errno {SegmentNative.Error}.");
        }

        long mappedLength = HeaderSize + ((dataLength + 4095) & ~4095L);
        byte* mapped = null;
        try
        {
            SegmentNative.Resize(fd, mappedLength, System.IO.Path.Combine(directory, label), label);
            mapped = SegmentNative.Map(fd, mappedLength, label);
            WriteHeader(mapped, SharedObjectKind.Memory, [], 1, dataLength);
            return new Segment(label, path: null, SharedObjectKind.Memory, string.Empty, 1, mapped, mappedLength) { _descriptor = fd };
        }
        catch
        {
            if (mapped is not null)
            {
                SegmentNative.Unmap(mapped, mappedLength);
            }

            SegmentNative.Close(fd);
            throw;
        }
    }

    /// <summary>Maps the anonymous segment another process created, by its <see cref="Reference"/>.</summary>
    [SupportedOSPlatform("linux")]
    public static Segment OpenAnonymous(string label, string reference)
    {
        if (!reference.StartsWith("/proc/", StringComparison.Ordinal) || reference.Contains("..", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{reference}' is not a reference to an anonymous shared segment.");
        }

        // Not O_NOFOLLOW: /proc/{pid}/fd/{n} is a link to the open file, which is the point.
        int fd = SegmentNative.Open(reference, SegmentNative.OpenReadWrite | SegmentNative.OpenCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"Could not open shared segment '{label}' through {reference}: errno {SegmentNative.Error} (its creator has closed it or exited).");
        }

        byte* mapped = null;
        long mappedLength = SegmentNative.SizeOf(fd);
        try
        {
            if (mappedLength < HeaderSize)
            {
                throw new InvalidDataException($"'{reference}' is not a Spindle shared segment (only {mappedLength} bytes).");
            }

            mapped = SegmentNative.Map(fd, mappedLength, reference);
            CheckHeader(mapped, label, reference, SharedObjectKind.Memory, string.Empty, 1);
            return new Segment(label, path: null, SharedObjectKind.Memory, string.Empty, 1, mapped, mappedLength);
        }
        catch
        {
            if (mapped is not null)
            {
                SegmentNative.Unmap(mapped, mappedLength);
            }

            throw;
        }
        finally
        {
            SegmentNative.Close(fd);
        }
    }
}

using System.Runtime.Versioning;
using System.Text;
using Spindle.Interop;

namespace Spindle.Shared;

/// <summary>
/// One named shared object: a tmpfs file mapped into every process that uses it. A one-page header says what it
/// holds (kind, element type and size, length) and who uses it (a table of pids with a count each). Opening adds
/// this process, closing removes it, and either one first removes users that died; the last user unlinks the file.
/// </summary>
/// <remarks>
/// Header: magic u64 @0, version @8, kind @12, element size @16, header lock (holder pid) @20, data length i64 @24,
/// unlinked flag @32, type name length @36 and UTF-8 bytes @40 (≤ 256), user table @512 (128 × pid, count).
/// Data starts at <see cref="HeaderSize"/>, so it is page-aligned.
/// </remarks>
internal sealed unsafe partial class Segment : IDisposable
{
    /// <summary>Bytes before the data: one page.</summary>
    public const int HeaderSize = 4096;

    private const ulong Magic = 0x31454C444E495053; // "SPINDLE1"
    private const int Version = 1;
    private const int MaxTypeNameBytes = 256;
    private const int UsersOffset = 512;
    private const int MaxUsers = 128;

    private byte* _base;
    private readonly long _mappedLength;
    private int _leases = 1;
    private int _disposing;

    private Segment(string name, string? path, SharedObjectKind kind, string typeName, int elementSize, byte* mapped, long mappedLength)
    {
        Name = name;
        FilePath = path;
        Kind = kind;
        TypeName = typeName;
        ElementSize = elementSize;
        _base = mapped;
        _mappedLength = mappedLength;
    }

    /// <summary>The object's name, as other processes open it.</summary>
    public string Name { get; }

    /// <summary>The tmpfs file behind the object; null for an anonymous one (see <see cref="CreateAnonymous"/>).</summary>
    public string? FilePath { get; }

    public SharedObjectKind Kind { get; }

    public string TypeName { get; }

    public int ElementSize { get; }

    /// <summary>The first byte of the data (page-aligned).</summary>
    public byte* Data => _base + HeaderSize;

    /// <summary>The data's length in bytes, as created.</summary>
    public long DataLength => *(long*)(_base + 24);

    /// <summary>Whether <see cref="Dispose"/> has started: waits should stop and throw <see cref="ObjectDisposedException"/>.</summary>
    public bool IsDisposing => Volatile.Read(ref _disposing) != 0;

    /// <summary>Runs once when disposal starts, while the memory is still mapped: owners wake their waiters here.</summary>
    public Action? Disposing { get; set; }

    /// <summary>What the object is to its user, for messages: <c>SharedArray&lt;System.Int32&gt; 'frames'</c>.</summary>
    public string Description => $"{Describe(Kind, TypeName)} '{Name}'";

    /// <summary>Writes a new object's header.</summary>
    private static void WriteHeader(byte* mapped, SharedObjectKind kind, byte[] typeBytes, int elementSize, long dataLength)
    {
        *(ulong*)mapped = Magic;
        *(int*)(mapped + 8) = Version;
        *(int*)(mapped + 12) = (int)kind;
        *(int*)(mapped + 16) = elementSize;
        *(long*)(mapped + 24) = dataLength;
        *(int*)(mapped + 36) = typeBytes.Length;
        typeBytes.CopyTo(new Span<byte>(mapped + 40, MaxTypeNameBytes));
        Users(mapped)[0] = new UserSlot { Pid = Environment.ProcessId, Count = 1 };
    }

    /// <summary>Creates a new object; fails if the name is taken.</summary>
    [SupportedOSPlatform("linux")]
    public static Segment Create(string name, SharedObjectKind kind, string typeName, int elementSize, long dataLength)
    {
        LinuxOnly.Require(Describe(kind, string.Empty), LinuxOnly.SharedObjectsInstead);
        ArgumentOutOfRangeException.ThrowIfNegative(dataLength);
        string path = SegmentDirectory.FileFor(name, nameof(name));
        SegmentDirectory.SweepOnce();
        byte[] typeBytes = Encoding.UTF8.GetBytes(typeName);
        if (typeBytes.Length > MaxTypeNameBytes)
        {
            throw new ArgumentException($"The type name '{typeName}' is longer than {MaxTypeNameBytes} bytes.", nameof(typeName));
        }

        string temporary = SegmentDirectory.TemporaryFileFor(name);
        int fd = SegmentNative.Open(temporary, SegmentNative.OpenReadWrite | SegmentNative.OpenCreate | SegmentNative.OpenExclusive | SegmentNative.OpenCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"Could not create '{temporary}' for shared object '{name}': errno {SegmentNative.Error}.");
        }

        long mappedLength = HeaderSize + ((dataLength + 4095) & ~4095L);
        byte* mapped = null;
        try
        {
            SegmentNative.Resize(fd, mappedLength, temporary, name);
            mapped = SegmentNative.Map(fd, mappedLength, temporary);
            WriteHeader(mapped, kind, typeBytes, elementSize, dataLength);
            if (!SegmentNative.TryLink(temporary, path))
            {
                int error = SegmentNative.Error;
                throw error == SegmentNative.ErrorExists
                    ? new SharedObjectException(name, $"A shared object named '{name}' already exists ({DescribeAt(mapped: null, path)}); open it, or create this one under another name.")
                    : new IOException($"Could not publish shared object '{name}' at '{path}': errno {error}.");
            }

            return new Segment(name, path, kind, typeName, elementSize, mapped, mappedLength);
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
            SegmentNative.Unlink(temporary);
            SegmentNative.Close(fd);
        }
    }

    /// <summary>Opens an existing object, checking it holds what the caller expects.</summary>
    /// <remarks>With <paramref name="adopt"/>, this process takes over a use another process added for it (<see cref="AddUser"/>) instead of adding one.</remarks>
    [SupportedOSPlatform("linux")]
    public static Segment Open(string name, SharedObjectKind kind, string typeName, int elementSize, string paramName = "name", bool adopt = false)
    {
        LinuxOnly.Require(Describe(kind, string.Empty), LinuxOnly.SharedObjectsInstead);
        string path = SegmentDirectory.FileFor(name, paramName);
        // An object unlinked between our open() and our registration is gone; a new one may have taken its name.
        for (int attempt = 0; ; attempt++)
        {
            Segment? segment = TryOpen(name, path, kind, typeName, elementSize, adopt);
            if (segment is not null)
            {
                return segment;
            }

            if (attempt == 3)
            {
                throw NotFound(name, kind, typeName);
            }
        }
    }

    [SupportedOSPlatform("linux")]
    private static Segment? TryOpen(string name, string path, SharedObjectKind kind, string typeName, int elementSize, bool adopt)
    {
        int fd = SegmentNative.Open(path, SegmentNative.OpenReadWrite | SegmentNative.OpenNoFollow | SegmentNative.OpenCloseOnExec);
        if (fd < 0)
        {
            throw SegmentNative.Error == SegmentNative.ErrorNoEntry
                ? NotFound(name, kind, typeName)
                : new IOException($"Could not open shared object '{name}' at '{path}': errno {SegmentNative.Error}.");
        }

        byte* mapped = null;
        long mappedLength = SegmentNative.SizeOf(fd);
        try
        {
            if (mappedLength < HeaderSize)
            {
                throw new SharedObjectException(name, $"'{path}' is not a Spindle shared object (only {mappedLength} bytes).");
            }

            mapped = SegmentNative.Map(fd, mappedLength, path);
            CheckHeader(mapped, name, path, kind, typeName, elementSize);
            if (!(adopt ? Adopt(mapped, name) : Register(mapped)))
            {
                SegmentNative.Unmap(mapped, mappedLength);
                return null;
            }

            return new Segment(name, path, kind, typeName, elementSize, mapped, mappedLength);
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

    /// <summary>Takes a lease on the mapping for the length of one operation; throws if the object is disposed.</summary>
    public Lease Use()
    {
        int leases = Volatile.Read(ref _leases);
        while (true)
        {
            if (leases == 0 || IsDisposing)
            {
                throw new ObjectDisposedException(Description, $"{Description} has been disposed.");
            }

            int seen = Interlocked.CompareExchange(ref _leases, leases + 1, leases);
            if (seen == leases)
            {
                return new Lease(this);
            }

            leases = seen;
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming the object if it has been disposed.</summary>
    public void ThrowIfDisposed()
    {
        if (IsDisposing)
        {
            throw new ObjectDisposedException(Description, $"{Description} has been disposed.");
        }
    }

    /// <summary>Closes this process's use; the mapping goes once running operations finish, the file with the last user.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposing, 1) == 0)
        {
            Disposing?.Invoke();
            ReleaseLease();
        }
    }

    private void ReleaseLease()
    {
        if (Interlocked.Decrement(ref _leases) == 0)
        {
            byte* mapped = _base;
            _base = null;
            bool unlinked = Unregister(mapped);
            if (unlinked && FilePath is not null)
            {
                SegmentNative.Unlink(FilePath);
            }

            if (unlinked || !_keepMapping || !Keep(Name, mapped, _mappedLength))
            {
                SegmentNative.Unmap(mapped, _mappedLength);
            }
            if (_descriptor >= 0)
            {
                SegmentNative.Close(_descriptor);
            }
        }
    }

    /// <summary>Keeps the mapping alive for one operation.</summary>
    public readonly struct Lease(Segment segment) : IDisposable
    {
        /// <summary>Ends the operation.</summary>
        public void Dispose() => segment.ReleaseLease();
    }
}

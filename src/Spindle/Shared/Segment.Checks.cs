using System.Runtime.Versioning;
using System.Text;

namespace Spindle.Shared;

/// <summary>What a segment holds, checked when opening and described in messages.</summary>
internal sealed unsafe partial class Segment
{
    [SupportedOSPlatform("linux")]
    private static void CheckHeader(byte* mapped, string name, string path, SharedObjectKind kind, string typeName, int elementSize)
    {
        if (*(ulong*)mapped != Magic || *(int*)(mapped + 8) != Version)
        {
            throw new SharedObjectException(name, $"'{path}' is not a Spindle shared object of this version.");
        }

        var actualKind = (SharedObjectKind)(*(int*)(mapped + 12));
        string actualType = TypeNameAt(mapped);
        int actualSize = *(int*)(mapped + 16);
        if (actualKind != kind || actualType != typeName || actualSize != elementSize)
        {
            string sizes = actualSize != elementSize && actualType == typeName
                ? $" ({actualSize}-byte elements there, {elementSize}-byte here: the two processes run different builds)"
                : string.Empty;
            throw new SharedObjectException(name,
                $"Shared object '{name}' is a {Describe(actualKind, actualType)}, not a {Describe(kind, typeName)}{sizes}; open it as what it is.");
        }
    }

    private static string TypeNameAt(byte* mapped) =>
        Encoding.UTF8.GetString(mapped + 40, Math.Clamp(*(int*)(mapped + 36), 0, MaxTypeNameBytes));

    private static string DescribeAt(byte* mapped, string path)
    {
        if (mapped is not null)
        {
            return Describe((SharedObjectKind)(*(int*)(mapped + 12)), TypeNameAt(mapped));
        }

        try
        {
            using var probe = File.OpenRead(path);
            byte[] header = new byte[HeaderSize];
            probe.ReadExactly(header);
            fixed (byte* bytes = header)
            {
                return *(ulong*)bytes == Magic ? "a " + DescribeAt(bytes, path) : "not a Spindle object";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unreadable: " + e.Message;
        }
    }

    /// <summary>The element type as stored in the header and shown in errors: C#-like, shortened with a hash if very long.</summary>
    public static string TypeNameOf(Type type)
    {
        string name = Calls.TypeNames.Display(type);
        return Encoding.UTF8.GetByteCount(name) <= MaxTypeNameBytes
            ? name
            : $"{name[..160]}…#{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16]}";
    }

    /// <summary>How users see a kind and element type: <c>SharedArray&lt;System.Int32&gt;</c>.</summary>
    public static string Describe(SharedObjectKind kind, string typeName)
    {
        string kindName = kind switch
        {
            SharedObjectKind.Memory => "SharedMemory",
            SharedObjectKind.Array => "SharedArray",
            SharedObjectKind.Lock => "SharedLock",
            SharedObjectKind.Semaphore => "SharedSemaphore",
            SharedObjectKind.Event => "SharedEvent",
            SharedObjectKind.Barrier => "SharedBarrier",
            SharedObjectKind.Condition => "SharedCondition",
            SharedObjectKind.Value => "SharedValue",
            _ => kind.ToString(),
        };
        return typeName.Length == 0 ? kindName : $"{kindName}<{typeName}>";
    }

    [SupportedOSPlatform("linux")]
    private static SharedObjectNotFoundException NotFound(string name, SharedObjectKind kind, string typeName) =>
        new(name, $"No shared object named '{name}' exists (wanted a {Describe(kind, typeName)}): it was never created, or every process using it closed it or died.");
}

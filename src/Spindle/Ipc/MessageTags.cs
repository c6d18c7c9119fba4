using System.Collections.Concurrent;
using System.Runtime.Versioning;

namespace Spindle.Ipc;

/// <summary>Type tags seen in this process, so a mismatch can name the type that was sent when it is known here.</summary>
[SupportedOSPlatform("linux")]
internal static class MessageTags
{
    /// <summary>Raw bytes, and <c>byte[]</c> messages, which are the same thing.</summary>
    public const int RawBytes = 0;

    /// <summary>A null reference of any type. Registered tags are odd, so they never collide with this.</summary>
    public const int Null = 2;

    private static readonly ConcurrentDictionary<int, Type> Known = new();

    public static int Register(Type type)
    {
        // FNV-1a over the full name: the same in every process running the same build, unlike GetHashCode.
        uint hash = 2166136261;
        foreach (char c in type.FullName ?? type.Name)
        {
            hash = (hash ^ c) * 16777619;
        }

        int tag = (int)(hash | 1);
        Known.TryAdd(tag, type);
        return tag;
    }

    public static string Describe(int tag) =>
        tag == RawBytes ? "raw bytes (byte[])"
        : Known.TryGetValue(tag, out Type? type) ? Calls.TypeNames.Display(type)
        : $"another type (tag 0x{tag:x8})";
}

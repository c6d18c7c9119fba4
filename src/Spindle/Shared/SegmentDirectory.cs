using System.Globalization;
using System.Security.Cryptography;
using Spindle.Interop;

namespace Spindle.Shared;

/// <summary>
/// Where shared objects live: one 0600 file per object in a per-user 0700 directory on tmpfs
/// (<c>/dev/shm/spindle-{uid}</c>), so their pages are memory, never disk, and only their owner can open them.
/// </summary>
internal static class SegmentDirectory
{
    /// <summary>The longest name accepted; file names allow 255 bytes, and temporary names add a prefix.</summary>
    public const int MaxNameLength = 120;

    private static readonly Lazy<string> Root = new(CreateRoot);

    private static int _swept;

    /// <summary>The per-user directory, created 0700 on first use.</summary>
    public static string Path => Root.Value;

    /// <summary>The file of the object called <paramref name="name"/>; throws naming <paramref name="paramName"/> if the name is not valid.</summary>
    public static string FileFor(string name, string paramName)
    {
        Validate(name, paramName);
        return System.IO.Path.Combine(Path, name);
    }

    /// <summary>Checks that <paramref name="name"/> is 1–120 characters of letters, digits, '.', '_' or '-', not starting with '.'.</summary>
    public static void Validate(string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (name.Length is 0 or > MaxNameLength || name[0] == '.' || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException(
                $"Shared object name '{name}' is not valid: use 1 to {MaxNameLength} ASCII letters, digits, '.', '_' or '-', not starting with '.'.", paramName);
        }
    }

    /// <summary>A fresh name for an object created without one: the kind, this pid and 48 random bits.</summary>
    public static string NewName(SharedObjectKind kind) => NewName(kind.ToString().ToLowerInvariant());

    /// <summary>A fresh name starting with <paramref name="prefix"/>, this pid and 48 random bits.</summary>
    public static string NewName(string prefix) =>
        $"{prefix}-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    /// <summary>A temporary file name for an object being initialised, recognisable as this process's.</summary>
    public static string TemporaryFileFor(string name) =>
        System.IO.Path.Combine(Path, $".{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}-{name}");

    /// <summary>Sweeps leftovers once per process, before its first object is created.</summary>
    public static void SweepOnce()
    {
        if (Interlocked.Exchange(ref _swept, 1) == 0)
        {
            RemoveLeftovers();
        }
    }

    /// <summary>
    /// Removes objects whose users all died without closing them (killed, crashed) and half-made files of dead
    /// creators. Returns how many files went.
    /// </summary>
    public static int RemoveLeftovers()
    {
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(Path))
        {
            string name = System.IO.Path.GetFileName(file);
            if (name.StartsWith('.'))
            {
                removed += RemoveIfCreatorDied(file, name) ? 1 : 0;
            }
            else if (Segment.RemoveIfAbandoned(file))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>
    /// Removes what a process that has just died left behind: its half-made files and the objects it named
    /// (<c>prefix-pid-random</c>) that no live process uses. Returns how many files went.
    /// </summary>
    public static int RemoveLeftoversOf(int processId)
    {
        // Not created here for this: a pool whose workers never used shared memory leaves no directory behind.
        string directory = Root.IsValueCreated ? Root.Value : RootPath();
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        string own = $"-{processId.ToString(CultureInfo.InvariantCulture)}-";
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(directory, $"*{own}*"))
        {
            string name = System.IO.Path.GetFileName(file);
            removed += name.StartsWith('.') ? (RemoveIfCreatorDied(file, name) ? 1 : 0)
                : name.Contains(own, StringComparison.Ordinal) && Segment.RemoveIfAbandoned(file) ? 1 : 0;
        }

        return removed;
    }

    private static bool RemoveIfCreatorDied(string file, string name)
    {
        int dash = name.IndexOf('-', StringComparison.Ordinal);
        if (dash > 1 && int.TryParse(name.AsSpan(1, dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !Native.ProcessAlive(pid))
        {
            SegmentNative.Unlink(file);
            return true;
        }

        return false;
    }

    private static string CreateRoot()
    {
        string root = RootPath();
        RuntimeDirectory.CreatePrivate(root);
        return root;
    }

    // /dev/shm is tmpfs on every mainstream Linux; elsewhere fall back to the runtime directory's own root.
    private static string RootPath() => Directory.Exists("/dev/shm")
        ? System.IO.Path.Combine("/dev/shm", $"spindle-{Native.EffectiveUserId()}")
        : System.IO.Path.Combine(RuntimeDirectory.UserRoot, "shared");
}

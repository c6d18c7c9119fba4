using System.Globalization;
using System.Security.Cryptography;

namespace Spindle.Interop;

/// <summary>
/// Where private channels live: a per-user directory only its owner can enter (0700), and inside it one
/// directory per owner (pool or worker) named <c>{pid}-{random}</c>, so leftovers of a dead parent can be
/// recognised and removed at the next start.
/// </summary>
internal static class RuntimeDirectory
{
    private static readonly Lazy<string> Root = new(CreateRoot);

    /// <summary>The per-user directory; created 0700 and checked to be ours.</summary>
    public static string UserRoot => Root.Value;

    /// <summary>Creates a fresh private directory for one owner.</summary>
    public static string CreateOwnerDirectory()
    {
        // Each new owner also sweeps up after parents that died without cleaning (killed, crashed).
        RemoveLeftovers();
        string name = $"{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        string path = Path.Combine(UserRoot, name);
        CreatePrivate(path);
        return path;
    }

    public static void Delete(string ownerDirectory)
    {
        try
        {
            Directory.Delete(ownerDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }

    /// <summary>Removes owner directories whose process no longer exists (a parent that was killed).</summary>
    public static int RemoveLeftovers()
    {
        int removed = 0;
        foreach (string directory in Directory.EnumerateDirectories(UserRoot))
        {
            string name = Path.GetFileName(directory);
            int dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && pid != Environment.ProcessId && !Native.ProcessAlive(pid))
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                    removed++;
                }
                catch (IOException)
                {
                    // Another process is cleaning the same leftovers; either way it goes.
                }
                catch (UnauthorizedAccessException)
                {
                    // Not ours to remove.
                }
            }
        }

        return removed;
    }

    /// <summary>Creates <paramref name="path"/> as a directory only its owner can enter (0700), or tightens it if it exists and is ours.</summary>
    internal static void CreatePrivate(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(path, Private);
        if (File.GetUnixFileMode(path) != Private)
        {
            // A directory others could enter is not private; tightening fails unless it is ours, which is the check we want.
            File.SetUnixFileMode(path, Private);
        }
    }

    private static string CreateRoot()
    {
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        string root = !string.IsNullOrEmpty(runtime) && Directory.Exists(runtime)
            ? Path.Combine(runtime, "spindle")
            : Path.Combine(Path.GetTempPath(), $"spindle-{Native.EffectiveUserId()}");
        CreatePrivate(root);
        return root;
    }
}

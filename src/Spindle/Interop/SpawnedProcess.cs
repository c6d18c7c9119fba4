namespace Spindle.Interop;

/// <summary>
/// A child process started with <c>posix_spawn</c> and held by a process descriptor (pidfd), leader of a process group
/// of its own. Its exit is seen the moment it happens, whatever its descendants still hold open (.NET's
/// <see cref="System.Diagnostics.Process"/> waits for the end of redirected output, which a grandchild can keep open
/// forever); <see cref="EndGroupAndReap"/> ends the descendants that stayed in its group before the pid is released.
/// </summary>
internal sealed class SpawnedProcess : IDisposable
{
    private const int SigKill = 9;
    private readonly int _pidfd;
    private readonly Lock _gate = new();
    private int? _exitCode;
    private bool _reaped;
    private bool _disposed;

    private SpawnedProcess(int id, int pidfd)
    {
        Id = id;
        _pidfd = pidfd;
    }

    /// <summary>The process id, which is also its process group's id.</summary>
    public int Id { get; }

    /// <summary>Starts a process (see <see cref="Native.Spawn"/> for what it inherits).</summary>
    public static SpawnedProcess Start(string path, IReadOnlyList<string> arguments, IEnumerable<KeyValuePair<string, string?>> environment, ReadOnlySpan<(int Descriptor, int Number)> descriptors)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Spindle's worker processes run on Linux only (they are started with posix_spawn and watched through pidfds).");
        }

        int pid = Native.Spawn(path, arguments, environment, descriptors);
        try
        {
            return new SpawnedProcess(pid, Native.OpenProcessDescriptor(pid));
        }
        catch
        {
            // Without a descriptor it cannot be watched; it has not run any of the caller's code yet. Reaped here, or it
            // would stay a zombie for this process's lifetime.
            Native.SignalProcessGroup(pid, SigKill);
            Native.ReapByPid(pid);
            throw;
        }
    }

    /// <summary>Whether the process has ended (it may not be reaped yet).</summary>
    public bool HasExited => WaitForExit(TimeSpan.Zero);

    /// <summary>Waits up to <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: forever) for the process to end.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_reaped)
            {
                return true;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
        }

        // Waiting outside the lock: the descriptor stays open until Dispose, which only the owner calls after waiting.
        return Native.WaitForProcessExit(_pidfd, timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Ceiling(timeout.TotalMilliseconds));
    }

    /// <summary>SIGKILLs the process (not its group: <see cref="EndGroupAndReap"/> does that once it has ended).</summary>
    public void Kill()
    {
        lock (_gate)
        {
            if (!_reaped && !_disposed)
            {
                Native.SignalProcess(_pidfd, SigKill);
            }
        }
    }

    /// <summary>
    /// Once the process has ended: SIGKILLs what is left of its process group (descendants that did not leave it), then
    /// reaps it. Returns the exit code as .NET reports it (128 + n for signal n); -1 if it was reaped elsewhere.
    /// </summary>
    public int EndGroupAndReap()
    {
        lock (_gate)
        {
            if (_reaped)
            {
                return _exitCode ?? -1;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);

            // The unreaped zombie still holds its pid, so the group id cannot have been reused by another process.
            _exitCode = Native.ProcessExitCode(_pidfd, reap: false);
            Native.SignalProcessGroup(Id, SigKill);
            _exitCode = Native.ProcessExitCode(_pidfd, reap: true) ?? _exitCode;
            _reaped = true;
            return _exitCode ?? -1;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_reaped)
            {
                // Never left as a zombie or a stray: the owner disposes only once it no longer needs the process.
                Native.SignalProcess(_pidfd, SigKill);
                Native.WaitForProcessExit(_pidfd, -1);
                Native.SignalProcessGroup(Id, SigKill);
                _ = Native.ProcessExitCode(_pidfd, reap: true);
                _reaped = true;
            }

            _ = Native.CloseDescriptor(_pidfd);
        }
    }
}

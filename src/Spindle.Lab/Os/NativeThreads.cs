using System.Runtime.InteropServices;

namespace Spindle.Lab.Os;

/// <summary>
/// Threads made with <c>pthread_create</c> whose start routine is a libc function, so no managed code ever runs on them:
/// the operating system's own cost of a thread, without the runtime's thread object or its attach and detach.
/// </summary>
internal static unsafe partial class NativeThreads
{
    /// <summary><c>free(NULL)</c> does nothing and returns: a start routine that ends at once.</summary>
    private static readonly nint EndAtOnce = Export("free");

    /// <summary>
    /// <c>pthread_rwlock_rdlock(lock)</c> blocks while the lab holds the lock for writing. Unlike <c>sem_wait</c> it is
    /// not cut short by a signal, so no parked thread leaves early and takes its stack out of the measurement.
    /// </summary>
    private static readonly nint WaitForRelease = Export("pthread_rwlock_rdlock");

    /// <summary>Creates a thread that returns at once and joins it.</summary>
    public static void StartAndJoin()
    {
        nuint thread;
        Check(pthread_create(&thread, null, EndAtOnce, null), "pthread_create");
        Check(pthread_join(thread, null), "pthread_join");
    }

    /// <summary>
    /// Starts <paramref name="count"/> threads that block in the C library until the result is disposed, which must
    /// happen on the thread that called this (it holds the lock they wait for).
    /// </summary>
    public static ParkedThreads Park(int count) => new(count);

    /// <summary>Threads blocked on a lock this thread holds for writing; disposing releases and joins them.</summary>
    internal sealed class ParkedThreads : IDisposable
    {
        // Room for a pthread_rwlock_t on every ABI glibc supports (56 bytes on x86-64 and arm64).
        private const int LockBytes = 128;

        private readonly void* _lock;
        private readonly List<nuint> _threads = [];

        public ParkedThreads(int count)
        {
            _lock = NativeMemory.AllocZeroed(LockBytes);
            Check(pthread_rwlock_init(_lock, null), "pthread_rwlock_init");
            Check(pthread_rwlock_wrlock(_lock), "pthread_rwlock_wrlock");
            try
            {
                for (int i = 0; i < count; i++)
                {
                    nuint thread;
                    Check(pthread_create(&thread, null, WaitForRelease, _lock), "pthread_create");
                    _threads.Add(thread);
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            _ = pthread_rwlock_unlock(_lock);
            foreach (nuint thread in _threads)
            {
                _ = pthread_join(thread, null);
            }

            // Each thread ended holding a read lock, so the lock is not destroyed: its memory is simply given back.
            NativeMemory.Free(_lock);
        }
    }

    private static nint Export(string name) =>
        NativeLibrary.GetExport(NativeLibrary.Load("libc", typeof(NativeThreads).Assembly, null), name);

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new IOException($"{call} failed with errno {error}.");
        }
    }

    [LibraryImport("libc")]
    private static partial int pthread_create(nuint* thread, void* attributes, nint start, void* argument);

    [LibraryImport("libc")]
    private static partial int pthread_join(nuint thread, void** result);

    [LibraryImport("libc")]
    private static partial int pthread_rwlock_init(void* rwlock, void* attributes);

    [LibraryImport("libc")]
    private static partial int pthread_rwlock_wrlock(void* rwlock);

    [LibraryImport("libc")]
    private static partial int pthread_rwlock_unlock(void* rwlock);
}

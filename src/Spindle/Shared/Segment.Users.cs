using Spindle.Interop;

namespace Spindle.Shared;

/// <summary>The user table: which processes have the object open, kept honest about processes that died.</summary>
internal sealed unsafe partial class Segment
{
    private struct UserSlot
    {
        public int Pid;
        public int Count;
    }

    private static Span<UserSlot> Users(byte* mapped) => new(mapped + UsersOffset, MaxUsers);

    private static int* HeaderLock(byte* mapped) => (int*)(mapped + 20);

    private static bool IsUnlinked(byte* mapped) => Volatile.Read(ref *(int*)(mapped + 32)) != 0;

    /// <summary>Adds this process as a user; false if the object was unlinked meanwhile.</summary>
    private static bool Register(byte* mapped)
    {
        LockHeader(mapped);
        try
        {
            if (IsUnlinked(mapped))
            {
                return false;
            }

            Span<UserSlot> users = Users(mapped);
            RemoveDeadUsers(users);
            int me = Environment.ProcessId;
            int free = -1;
            for (int i = 0; i < users.Length; i++)
            {
                if (users[i].Pid == me)
                {
                    users[i].Count++;
                    return true;
                }

                free = free < 0 && users[i].Pid == 0 ? i : free;
            }

            if (free < 0)
            {
                throw new InvalidOperationException($"A shared object can be open in at most {MaxUsers} processes at once.");
            }

            users[free] = new UserSlot { Pid = me, Count = 1 };
            return true;
        }
        finally
        {
            UnlockHeader(mapped);
        }
    }

    /// <summary>
    /// Adds a use for another process, which takes it over by opening the object with <c>adopt</c>: how a worker hands
    /// an object to its parent with no moment when nobody uses it. If that process dies first, its use goes with it.
    /// </summary>
    public void AddUser(int processId)
    {
        using Lease lease = Use();
        LockHeader(_base);
        try
        {
            Span<UserSlot> users = Users(_base);
            RemoveDeadUsers(users);
            int free = -1;
            for (int i = 0; i < users.Length; i++)
            {
                if (users[i].Pid == processId)
                {
                    users[i].Count++;
                    return;
                }

                free = free < 0 && users[i].Pid == 0 ? i : free;
            }

            if (free < 0)
            {
                throw new InvalidOperationException($"A shared object can be open in at most {MaxUsers} processes at once.");
            }

            users[free] = new UserSlot { Pid = processId, Count = 1 };
        }
        finally
        {
            UnlockHeader(_base);
        }
    }

    /// <summary>Whether no process but this one uses the object (the others closed it or died).</summary>
    public bool UsedOnlyHere()
    {
        using Lease lease = Use();
        LockHeader(_base);
        try
        {
            Span<UserSlot> users = Users(_base);
            RemoveDeadUsers(users);
            foreach (UserSlot user in users)
            {
                if (user.Pid != 0 && user.Pid != Environment.ProcessId)
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            UnlockHeader(_base);
        }
    }

    /// <summary>Takes over a use <see cref="AddUser"/> added for this process; false if the object was unlinked meanwhile.</summary>
    private static bool Adopt(byte* mapped, string name)
    {
        LockHeader(mapped);
        try
        {
            if (IsUnlinked(mapped))
            {
                return false;
            }

            foreach (UserSlot user in Users(mapped))
            {
                if (user.Pid == Environment.ProcessId && user.Count > 0)
                {
                    return true;
                }
            }

            throw new InvalidDataException($"Shared object '{name}' was not handed over to this process.");
        }
        finally
        {
            UnlockHeader(mapped);
        }
    }

    /// <summary>Removes one use by this process; true if no live user is left, and the caller must unlink the file.</summary>
    private static bool Unregister(byte* mapped)
    {
        LockHeader(mapped);
        try
        {
            Span<UserSlot> users = Users(mapped);
            int me = Environment.ProcessId;
            for (int i = 0; i < users.Length; i++)
            {
                if (users[i].Pid == me && --users[i].Count == 0)
                {
                    users[i] = default;
                }
            }

            return MarkUnlinkedIfUnused(mapped, users);
        }
        finally
        {
            UnlockHeader(mapped);
        }
    }

    /// <summary>Unlinks the file at <paramref name="path"/> if every process that used it has died; false if it is in use or not ours.</summary>
    public static bool RemoveIfAbandoned(string path)
    {
        int fd = SegmentNative.Open(path, SegmentNative.OpenReadWrite | SegmentNative.OpenNoFollow | SegmentNative.OpenCloseOnExec);
        if (fd < 0)
        {
            return false;
        }

        try
        {
            if (SegmentNative.SizeOf(fd) < HeaderSize)
            {
                return false;
            }

            byte* mapped = SegmentNative.Map(fd, HeaderSize, path);
            try
            {
                if (*(ulong*)mapped != Magic)
                {
                    return false;
                }

                LockHeader(mapped);
                bool unused;
                try
                {
                    unused = !IsUnlinked(mapped) && MarkUnlinkedIfUnused(mapped, Users(mapped));
                }
                finally
                {
                    UnlockHeader(mapped);
                }

                if (unused)
                {
                    SegmentNative.Unlink(path);
                }

                return unused;
            }
            finally
            {
                SegmentNative.Unmap(mapped, HeaderSize);
            }
        }
        finally
        {
            SegmentNative.Close(fd);
        }
    }

    private static bool MarkUnlinkedIfUnused(byte* mapped, Span<UserSlot> users)
    {
        RemoveDeadUsers(users);
        foreach (UserSlot user in users)
        {
            if (user.Pid != 0)
            {
                return false;
            }
        }

        Volatile.Write(ref *(int*)(mapped + 32), 1);
        return true;
    }

    private static void RemoveDeadUsers(Span<UserSlot> users)
    {
        int me = Environment.ProcessId;
        for (int i = 0; i < users.Length; i++)
        {
            if (users[i].Pid != 0 && users[i].Pid != me && !Native.ProcessAlive(users[i].Pid))
            {
                users[i] = default;
            }
        }
    }

    // The header lock guards a few stores to the user table; a holder that died inside it is taken over.
    private static void LockHeader(byte* mapped) => ProcessSpinLock.Enter(HeaderLock(mapped));

    private static void UnlockHeader(byte* mapped) => ProcessSpinLock.Exit(HeaderLock(mapped));
}

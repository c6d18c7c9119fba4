using System.IO.MemoryMappedFiles;
using System.Text;

namespace Spindle.Cluster.Lanes;

/// <summary>
/// What a worker's lane is doing, in a small file the worker maps into memory and its agent reads when the worker dies:
/// the call it was running and where its caller waits, so a call that crashed its worker is answered "crashed" (with
/// the exit status only the agent sees) instead of leaving its caller to time out and send it again. Writing it costs
/// the worker a few stores per call, no system call; the agent reads it only after the worker has gone.
/// </summary>
/// <remarks>
/// Layout: state (int), attempt (int), call id (long), whether its caller stopped it (int), then the reply subject and the caller's inbox, each a length
/// (int) and UTF-8 bytes. The state is written last on the way in and first on the way out.
/// </remarks>
internal sealed class LanePage : IDisposable
{
    /// <summary>What the worker was doing with its lane's call when it stopped.</summary>
    public enum State
    {
        /// <summary>No lane call: nothing to tell anyone.</summary>
        Idle = 0,

        /// <summary>Running a call whose caller waits for the offer's reply (the reply subject).</summary>
        Running = 1,

        /// <summary>Running a call whose caller was told "taken": it waits for the answer in its inbox.</summary>
        Taken = 2,
    }

    private const int Size = 4096;
    private const int MaxSubjectBytes = (Size - 20) / 2 - 4;
    private const int StateAt = 0, AttemptAt = 4, CallAt = 8, StoppedAt = 16, SubjectsAt = 20;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte[] _scratch = new byte[MaxSubjectBytes];
    private readonly string _path;

    private LanePage(MemoryMappedFile file, string path)
    {
        _path = path;
        _file = file;
        _view = file.CreateViewAccessor(0, Size);
    }

    /// <summary>The page of worker <paramref name="processId"/> in <paramref name="directory"/>.</summary>
    public static string PathOf(string directory, int processId) => Path.Combine(directory, processId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Creates this worker's page, idle.</summary>
    public static LanePage Create(string directory)
    {
        string path = PathOf(directory, Environment.ProcessId);
        var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        stream.SetLength(Size);
        return new LanePage(MemoryMappedFile.CreateFromFile(stream, mapName: null, Size, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false), path);
    }

    /// <summary>Records a call about to run; false (and nothing recorded) when a subject is too long to record.</summary>
    public bool Begin(string replyTo, string inbox, long callId, int attempt)
    {
        int at = SubjectsAt;
        if (!TryWrite(ref at, replyTo) || !TryWrite(ref at, inbox))
        {
            return false;
        }

        _view.Write(CallAt, callId);
        _view.Write(AttemptAt, attempt);
        _view.Write(StoppedAt, 0);
        Set(State.Running);
        return true;
    }

    public void Set(State state)
    {
        int value = (int)state;
        _view.Write(StateAt, ref value);
        Interlocked.MemoryBarrier();
    }

    /// <summary>Records that the call's caller stopped it: the caller has ended it and wants no answer but the offer's reply.</summary>
    public void MarkStopped()
    {
        _view.Write(StoppedAt, 1);
        Interlocked.MemoryBarrier();
    }

    private bool TryWrite(ref int at, string subject)
    {
        int length = Encoding.UTF8.GetByteCount(subject);
        if (length > MaxSubjectBytes)
        {
            return false;
        }

        Encoding.UTF8.GetBytes(subject, _scratch);
        _view.Write(at, length);
        _view.WriteArray(at + 4, _scratch, 0, length);
        at += 4 + MaxSubjectBytes;
        return true;
    }

    /// <summary>What a dead worker's page says, read and deleted by its agent; null when it has none or it was idle.</summary>
    public static Record? TakeRecord(string directory, int processId)
    {
        string path = PathOf(directory, processId);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (bytes.Length < Size)
        {
            return null;
        }

        var state = (State)BitConverter.ToInt32(bytes, StateAt);
        if (state == State.Idle)
        {
            return null;
        }

        string Subject(int at) => Encoding.UTF8.GetString(bytes, at + 4, Math.Clamp(BitConverter.ToInt32(bytes, at), 0, MaxSubjectBytes));
        return new Record(state, Subject(SubjectsAt), Subject(SubjectsAt + 4 + MaxSubjectBytes), BitConverter.ToInt64(bytes, CallAt), BitConverter.ToInt32(bytes, AttemptAt),
            BitConverter.ToInt32(bytes, StoppedAt) != 0);
    }

    /// <summary>Whether the page of live worker <paramref name="processId"/> says it runs a lane call (the agent's stop waits for those).</summary>
    public static bool IsBusy(string directory, int processId)
    {
        try
        {
            using var stream = new FileStream(PathOf(directory, processId), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> state = stackalloc byte[4];
            return stream.Read(state) == 4 && BitConverter.ToInt32(state) != (int)State.Idle;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        // Called as the worker ends with its lane idle: nothing for the agent to read.
        _view.Dispose();
        _file.Dispose();
        File.Delete(_path);
    }

    /// <summary>A dead worker's lane call: where its caller waits, and which call it was.</summary>
    public sealed record Record(State State, string ReplyTo, string Inbox, long CallId, int Attempt, bool Stopped);
}

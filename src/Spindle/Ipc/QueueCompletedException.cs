using System.Runtime.Versioning;
namespace Spindle.Ipc;

/// <summary>The queue was completed: no more messages may be added, and once drained none will come.</summary>
[SupportedOSPlatform("linux")]
public sealed class QueueCompletedException : SpindleException
{
    /// <summary>Creates the exception.</summary>
    public QueueCompletedException(string message)
        : base(message)
    {
    }
}

using Spindle;
using Spindle.Calls;

namespace Spindle;

/// <summary>User code threw inside a worker process. Carries what the worker saw: the type, message and stack trace.</summary>
public sealed class RemoteException : SpindleException
{
    /// <summary>Creates the exception from what a worker reported.</summary>
    public RemoteException(string remoteType, string remoteMessage, string? remoteStackTrace, int workerProcessId, RemoteException? innerException = null)
        : base($"{remoteType} in worker process {workerProcessId}: {remoteMessage}", innerException)
    {
        RemoteType = remoteType;
        RemoteMessage = remoteMessage;
        RemoteStackTrace = remoteStackTrace;
        WorkerProcessId = workerProcessId;
    }

    /// <summary>The full name of the exception type thrown in the worker, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string RemoteType { get; }

    /// <summary>The original exception's message.</summary>
    public string RemoteMessage { get; }

    /// <summary>The stack trace inside the worker process.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>The pid of the worker process the exception was thrown in.</summary>
    public int WorkerProcessId { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{GetType().FullName}: {Message}{Environment.NewLine}--- worker stack trace ---{Environment.NewLine}{RemoteStackTrace}" +
        (InnerException is null ? string.Empty : $"{Environment.NewLine} ---> {InnerException}");
}

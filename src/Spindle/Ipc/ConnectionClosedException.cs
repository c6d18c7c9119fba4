using System.Runtime.Versioning;
namespace Spindle.Ipc;

/// <summary>The other end of a <see cref="Connection"/> closed, or its process exited: no more messages will come.</summary>
[SupportedOSPlatform("linux")]
public sealed class ConnectionClosedException : SpindleException
{
    /// <summary>Creates the exception.</summary>
    public ConnectionClosedException(string message, bool midMessage = false, Exception? innerException = null)
        : base(message, innerException)
    {
        MidMessage = midMessage;
    }

    /// <summary>Whether the stream ended inside a message (the peer died while sending it), rather than between two.</summary>
    public bool MidMessage { get; }
}

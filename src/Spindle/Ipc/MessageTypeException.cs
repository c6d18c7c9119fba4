using System.Runtime.Versioning;
namespace Spindle.Ipc;

/// <summary>The next message is not of the type the receiver asked for. The message stays unread.</summary>
[SupportedOSPlatform("linux")]
public sealed class MessageTypeException : SpindleException
{
    /// <summary>Creates the exception.</summary>
    public MessageTypeException(Type expected, string sent)
        : base($"Expected a message of type {Calls.TypeNames.Display(expected)}, but the next message is {sent}. It was left unread: receive it with its own type.")
    {
        Expected = expected;
        Sent = sent;
    }

    /// <summary>The type the receiver asked for.</summary>
    public Type Expected { get; }

    /// <summary>What was sent, as far as this process can name it.</summary>
    public string Sent { get; }
}

using System.Runtime.Versioning;
namespace Spindle.Ipc;

/// <summary>A message is larger than <see cref="ConnectionOptions.MaxMessageBytes"/> (or the queue's limit).</summary>
[SupportedOSPlatform("linux")]
public sealed class MessageTooLargeException : SpindleException
{
    /// <summary>Creates the exception.</summary>
    public MessageTooLargeException(long messageBytes, long limitBytes, string option)
        : base($"A message of {messageBytes} bytes exceeds the limit of {limitBytes} bytes; raise {option} on both sides to send it.")
    {
        MessageBytes = messageBytes;
        LimitBytes = limitBytes;
        Option = option;
    }

    /// <summary>The encoded size of the message.</summary>
    public long MessageBytes { get; }

    /// <summary>The limit it exceeded.</summary>
    public long LimitBytes { get; }

    /// <summary>The option that sets the limit.</summary>
    public string Option { get; }
}

namespace Spindle.Lab.Experiments.Channels;

/// <summary>One end of a raw message channel: whole messages in, whole messages out; an empty message means "stop".</summary>
internal interface IMessageLink : IDisposable
{
    void Send(ReadOnlySpan<byte> message);

    /// <summary>Receives one message into <paramref name="buffer"/> and returns its length.</summary>
    int Receive(Span<byte> buffer);
}

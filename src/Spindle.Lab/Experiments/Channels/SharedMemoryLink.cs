using Spindle.Lab.Os;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>
/// Messages through a shared mapping: the sender copies into the data area, stores the length and hands the turn
/// over with a futex wake; the receiver sleeps on the futex until it is its turn, then copies out.
/// </summary>
internal sealed class SharedMemoryLink(FutexBlock region, int side, bool ownsRegion) : IMessageLink
{
    private const int Turn = 0;
    private const int Length = 1;

    public FutexBlock Region => region;

    public unsafe void Send(ReadOnlySpan<byte> message)
    {
        message.CopyTo(region.Data);
        Volatile.Write(ref *region.Word(Length), message.Length);
        region.Set(Turn, 1 - side + 1);
    }

    public unsafe int Receive(Span<byte> buffer)
    {
        region.WaitFor(Turn, side + 1);
        int length = Volatile.Read(ref *region.Word(Length));
        region.Data[..length].CopyTo(buffer);
        return length;
    }

    public void Dispose()
    {
        if (ownsRegion)
        {
            region.Dispose();
        }
    }
}

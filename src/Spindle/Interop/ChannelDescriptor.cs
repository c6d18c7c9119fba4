using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>
/// One end of a private channel as a plain socket descriptor, closed when disposed (or finalized): what a worker on
/// Linux holds instead of a <see cref="System.Net.Sockets.Socket"/> (see <see cref="Native.ConnectUnixDescriptor"/>).
/// </summary>
internal sealed class ChannelDescriptor : SafeHandle
{
    public ChannelDescriptor(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    protected override bool ReleaseHandle() => Native.CloseDescriptor((int)handle) == 0;
}

using Spindle.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>Misuse of pipe ends gets a clear error at the call site, never a hang.</summary>
public class PipeBadInputTests
{
    [Fact]
    public void Poll_TimeoutOfAnHourOrForever_WaitsInsteadOfThrowing()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            // Ready at once: the length of the wait must not matter (the socket's own poll refused more than 35 minutes).
            a.Send(1);
            Assert.True(b.Poll(TimeSpan.FromHours(1)));
            Assert.True(b.Poll(Timeout.InfiniteTimeSpan));
            Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => b.Poll(TimeSpan.FromSeconds(-2))).ParamName);
        }
    }

    [Fact]
    public void Send_MemberDeclaredABaseClassHoldingADerivedObject_FailsNamingTheMemberAndBothTypes()
    {
        // A message never carries a type's name, so the derived object's own members were dropped without an error.
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            var error = Assert.Throws<NotSupportedException>(() => a.Send(new Parcel(new Fragile("vase", "glass"))));

            Assert.Contains("Parcel.Content", error.Message, StringComparison.Ordinal);
            Assert.Contains(typeof(Fragile).FullName!, error.Message, StringComparison.Ordinal);
            a.Send(new Parcel(new Content("book")));
            Assert.Equal("book", b.Receive<Parcel>().Content.Name);
        }
    }

    public record Content(string Name);

    public sealed record Fragile(string Name, string Material) : Content(Name);

    public sealed record Parcel(Content Content);

    [Fact]
    public void Open_NameThatDoesNotExist_ThrowsFileNotFound()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            string name = b.Transfer();
            string unknown = name[..^32] + new string('0', 32);
            var missing = Assert.Throws<FileNotFoundException>(() => Connection.Open(unknown));
            Assert.Contains(unknown, missing.Message, StringComparison.Ordinal);
            Assert.Throws<FileNotFoundException>(() => Connection.Open("1-0123456789ab/" + new string('0', 32)));
            Assert.Throws<ArgumentException>(() => Connection.Open("../../etc/passwd"));
        }
    }

    [Fact]
    public void Open_SameNameTwice_SecondThrowsFileNotFound()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            string name = b.Transfer();
            using Connection opened = Connection.Open(name);
            opened.Send(9);
            Assert.Equal(9, a.Receive<int>());
            Assert.Throws<FileNotFoundException>(() => Connection.Open(name));
        }
    }

    [Fact]
    public async Task TransferredEndNeverOpened_DisposeWithdrawsIt_AndThePeerSeesTheEnd()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            string name = b.Transfer();
            b.Dispose();
            Assert.Throws<FileNotFoundException>(() => Connection.Open(name));
            await Assert.ThrowsAsync<ConnectionClosedException>(() => a.ReceiveAsync<int>().AsTask().Within("end-of-stream"));
        }
    }

    [Fact]
    public void Send_OverTheLimit_ThrowsNamingTheOption_AndTheEndStaysUsable()
    {
        (Connection a, Connection b) = Pipe.Create(new ConnectionOptions { MaxMessageBytes = 1024 });
        using (a)
        using (b)
        {
            var tooBig = Assert.Throws<MessageTooLargeException>(() => a.SendBytes(new byte[1025]));
            Assert.Contains("MaxMessageBytes", tooBig.Message, StringComparison.Ordinal);
            Assert.Throws<MessageTooLargeException>(() => a.Send(new string('x', 2000)));
            a.Send("fits");
            Assert.Equal("fits", b.Receive<string>());
        }
    }

    [Fact]
    public async Task UseAfterDispose_ThrowsObjectDisposed()
    {
        (Connection a, Connection b) = Pipe.Create();
        b.Dispose();
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.Send(1));
        Assert.Throws<ObjectDisposedException>(() => a.Receive<int>());
        Assert.Throws<ObjectDisposedException>(() => a.Transfer());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => a.SendAsync(1).AsTask());
    }

    [Fact]
    public void UseAfterTransfer_ThrowsInvalidOperation()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            string name = b.Transfer();
            var moved = Assert.Throws<InvalidOperationException>(() => b.Send(1));
            Assert.Contains(name, moved.Message, StringComparison.Ordinal);
            Connection.Open(name).Dispose();
        }
    }

    [Fact]
    public void Receive_WrongType_ThrowsNamingBothTypes_AndLeavesTheMessage()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            a.Send(3.5);
            var wrong = Assert.Throws<MessageTypeException>(() => b.Receive<string>());
            Assert.Contains("String", wrong.Message, StringComparison.Ordinal);
            Assert.Contains("Double", wrong.Message, StringComparison.Ordinal);
            Assert.Equal(3.5, b.Receive<double>());
            a.SendBytes([1, 2]);
            Assert.Throws<MessageTypeException>(() => b.Receive<int>());
            Assert.Equal([1, 2], b.ReceiveBytes());
        }
    }

    [Fact]
    public void OneWayPipe_WrongDirection_ThrowsInvalidOperation()
    {
        (Connection reader, Connection writer) = Pipe.Create(duplex: false);
        using (reader)
        using (writer)
        {
            Assert.Throws<InvalidOperationException>(() => reader.Send(1));
            Assert.Throws<InvalidOperationException>(() => writer.Receive<int>());
            writer.Send(1);
            Assert.Equal(1, reader.Receive<int>());
        }
    }

    [Fact]
    public void ReceiveBytes_DestinationTooSmall_ThrowsAndLeavesTheMessage()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            a.SendBytes(new byte[100]);
            Assert.Throws<ArgumentException>(() => b.ReceiveBytes(new byte[10]));
            Assert.Equal(100, b.ReceiveBytes(new byte[100]));
        }
    }
}

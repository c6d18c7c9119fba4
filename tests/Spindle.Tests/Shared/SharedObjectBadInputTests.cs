using Spindle;
using Spindle.Pools;
using Spindle.Shared;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Tests.Shared;

public class SharedObjectBadInputTests
{
    [Fact]
    public void Open_NameThatDoesNotExist_ThrowsNotFoundNamingIt()
    {
        var error = Assert.Throws<SharedObjectNotFoundException>(() => SharedMemory.Open("never-created-" + Guid.NewGuid().ToString("N")));
        Assert.Contains("never-created-", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("never-created-", error.Name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    [InlineData("with space")]
    [InlineData("slash/inside")]
    public void Create_InvalidName_ThrowsArgumentExceptionNamingTheParameter(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => SharedMemory.Create(16, name));
        Assert.Equal("name", error.ParamName);
        Assert.Throws<ArgumentException>(() => SharedArray.Open<int>(name));
    }

    [Fact]
    public void Create_NonPositiveLength_ThrowsNamingLength()
    {
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemory.Create(0)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => SharedArray.Create<int>(-1)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => SharedArray.Create<int>(0)).ParamName);
    }

    [Fact]
    public void Create_FromNoValues_ThrowsNamingValues()
    {
        // It used to make an array of one zero, whose Length said 1.
        var error = Assert.Throws<ArgumentException>(() => SharedArray.Create(ReadOnlySpan<int>.Empty));
        Assert.Equal("values", error.ParamName);
        Assert.Contains("at least one element", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NameTaken_ThrowsSaying()
    {
        using var first = SharedMemory.Create(16);
        var error = Assert.Throws<SharedObjectException>(() => SharedArray.Create<int>(4, first.Name));
        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        Assert.Contains("SharedMemory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WrongElementType_NamesBothTypes()
    {
        using SharedArray<int> ints = SharedArray.Create<int>(8);
        var error = Assert.Throws<SharedObjectException>(() => SharedArray.Open<long>(ints.Name));
        Assert.Contains("SharedArray<System.Int32>", error.Message, StringComparison.Ordinal);
        Assert.Contains("SharedArray<System.Int64>", error.Message, StringComparison.Ordinal);
        Assert.Contains(ints.Name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WrongKind_NamesBothKinds()
    {
        using SharedArray<byte> bytes = SharedArray.Create<byte>(8);
        var error = Assert.Throws<SharedObjectException>(() => SharedMemory.Open(bytes.Name));
        Assert.Contains("SharedArray<System.Byte>", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a SharedMemory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseAfterDispose_ThrowsObjectDisposedNamingTheObject()
    {
        SharedArray<int> array = SharedArray.Create<int>(8);
        string name = array.Name;
        array.Dispose();
        var error = Assert.Throws<ObjectDisposedException>(() => array.Span.Length);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => array[0]);
        Assert.Throws<ObjectDisposedException>(() => array.Memory);
        array.Dispose();
    }

    [Fact]
    public void PropertiesAfterDispose_ThrowObjectDisposed_NotReadUnmappedMemory()
    {
        // Each of these read the unmapped state and ended the process (AccessViolationException); SharedMemory.Length
        // threw NullReferenceException.
        SharedLock sharedLock = SharedLock.Create();
        SharedSemaphore semaphore = SharedSemaphore.Create(1, 2);
        SharedEvent sharedEvent = SharedEvent.Create();
        SharedBarrier barrier = SharedBarrier.Create(2);
        SharedMemory memory = SharedMemory.Create(16);
        sharedLock.Dispose();
        semaphore.Dispose();
        sharedEvent.Dispose();
        barrier.Dispose();
        memory.Dispose();

        Assert.Throws<ObjectDisposedException>(() => sharedLock.HolderProcessId);
        Assert.Throws<ObjectDisposedException>(() => sharedLock.IsHeldByThisProcess);
        Assert.Throws<ObjectDisposedException>(() => semaphore.CurrentCount);
        Assert.Throws<ObjectDisposedException>(() => semaphore.MaximumCount);
        Assert.Throws<ObjectDisposedException>(() => sharedEvent.IsSet);
        Assert.Throws<ObjectDisposedException>(() => sharedEvent.Mode);
        Assert.Throws<ObjectDisposedException>(() => barrier.ParticipantCount);
        Assert.Throws<ObjectDisposedException>(() => barrier.CurrentPhase);
        Assert.Throws<ObjectDisposedException>(() => memory.Length);
    }

    [Fact]
    public async Task SharedObjectInsideAnotherValue_IsRefusedAtTheCallSite()
    {
        using SharedArray<int> array = SharedArray.Create<int>(8);
        await using WorkerPool pool = TestPools.Process();
        var error = await Assert.ThrowsAsync<Spindle.ProcessBoundaryException>(() => pool.RunAsync(Count, new Holder(array)));
        Assert.Contains("by reference", error.Message, StringComparison.Ordinal);
    }

    private static long Count(Holder holder) => holder.Array.Length;

    public sealed record Holder(SharedArray<int> Array);
}

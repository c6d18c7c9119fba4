using Spindle.Calls.Serialization;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Calls;

public class OptionsValidationTests
{
    [Theory]
    [InlineData(nameof(WorkerPoolOptions.Workers))]
    [InlineData(nameof(WorkerPoolOptions.MaxQueuedCalls))]
    [InlineData(nameof(WorkerPoolOptions.MaxCallsPerWorker))]
    [InlineData(nameof(WorkerPoolOptions.IdleTimeout))]
    [InlineData(nameof(WorkerPoolOptions.WorkerStartTimeout))]
    [InlineData(nameof(WorkerPoolOptions.MaxMessageBytes))]
    public void Set_InvalidValue_ThrowsNamingTheOption(string option)
    {
        var options = new WorkerPoolOptions();
        Action set = option switch
        {
            nameof(WorkerPoolOptions.Workers) => () => options.Workers = 0,
            nameof(WorkerPoolOptions.MaxQueuedCalls) => () => options.MaxQueuedCalls = -1,
            nameof(WorkerPoolOptions.MaxCallsPerWorker) => () => options.MaxCallsPerWorker = 0,
            nameof(WorkerPoolOptions.IdleTimeout) => () => options.IdleTimeout = TimeSpan.Zero,
            nameof(WorkerPoolOptions.WorkerStartTimeout) => () => options.WorkerStartTimeout = TimeSpan.FromSeconds(-1),
            _ => () => options.MaxMessageBytes = 100,
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(set);

        Assert.Equal(option, error.ParamName);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serializer_WithoutParameterlessConstructor_ThrowsNamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => new WorkerPoolOptions { Serializer = new NeedsArgument(1) });

        Assert.Equal(nameof(WorkerPoolOptions.Serializer), error.ParamName);
    }

    [Fact]
    public void MemoryLimit_WithThreadIsolation_PoolCreationThrowsNamingTheOptionAndWhatItAppliesTo()
    {
        var options = new WorkerPoolOptions { MemoryLimit = 64L << 20, Isolation = Isolation.Thread, Workers = 1 };

        // Before, the pool was created and the limit did nothing: worker threads share this process's memory.
        var error = Assert.Throws<ArgumentException>(() => new WorkerPool(options));

        Assert.Equal("options", error.ParamName);
        Assert.StartsWith("WorkerPoolOptions.MemoryLimit applies to worker processes, but WorkerPoolOptions.Isolation is Thread", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChunkSize_Zero_ThrowsNamingTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MapOptions { ChunkSize = 0 });

        Assert.Equal(nameof(MapOptions.ChunkSize), error.ParamName);
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task DisposedPool_AnyCall_ThrowsObjectDisposed(Isolation isolation)
    {
        WorkerPool pool = TestPools.Create(isolation);
        await pool.DisposeAsync();

        CallSite.Throws<ObjectDisposedException>(() => pool.RunAsync(() => 1));
        Assert.Throws<ObjectDisposedException>(() => pool.MapAsync(x => x, new[] { 1 }));
        CallSite.Throws<ObjectDisposedException>(() => pool.WarmUpAsync());
    }

    private sealed class NeedsArgument(int unused) : ICallSerializer
    {
        public bool CanSerialize(Type type) => unused > 0 && false;

        public void Serialize(System.Buffers.IBufferWriter<byte> destination, object value, Type type) => throw new InvalidOperationException();

        public object? Deserialize(ReadOnlySpan<byte> source, Type type) => throw new InvalidOperationException();
    }
}

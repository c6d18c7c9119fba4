using System.Collections.Concurrent;
using Spindle;
using Spindle.Render.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Render.Tests;

/// <summary>A render that keeps its frames as they finish goes on from them: the same animation, the kept frames not rendered again.</summary>
public sealed class FrameStoreTests
{
    [Fact]
    public async Task RenderAsync_WithAFrameStore_KeepsEveryFrameBeforeReportingIt()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Process));
        var store = new MemoryFrameStore();
        var keptWhenReported = new List<bool>();
        var progress = new SyncProgress(p => keptWhenReported.Add(store.Has(p.Frame!.Index)));

        RenderResult result = await farm.RenderAsync(TinyRender.Settings(), store, progress, CancellationToken.None).Within("a render keeping its frames");

        Assert.Equal(Enumerable.Range(0, 6), store.Indexes);
        Assert.Equal(Enumerable.Repeat(true, 6), keptWhenReported);
        Assert.Equal(0, result.FramesResumed);
    }

    [Fact]
    public async Task RenderAsync_FromFramesAnEarlierRunKept_RendersOnlyTheOthersIntoTheSameAnimation()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Process));
        var whole = new MemoryFrameStore();
        RenderResult clean = await farm.RenderAsync(TinyRender.Settings(), whole, null, CancellationToken.None).Within("a clean render");

        // An earlier run cut short after frames 0, 1 and 4; frame 2 was kept damaged.
        var partial = new MemoryFrameStore();
        partial.Put(0, whole.Get(0));
        partial.Put(1, whole.Get(1));
        partial.Put(4, whole.Get(4));
        partial.Put(2, [1, 2, 3]);
        RenderResult resumed = await farm.RenderAsync(TinyRender.Settings(), partial, null, CancellationToken.None).Within("the resumed render");

        Assert.Equal(clean.Apng, resumed.Apng);
        Assert.Equal(clean.FrameHashes, resumed.FrameHashes);
        Assert.Equal(3, resumed.FramesResumed);
        Assert.Equal([0, 1, 4], resumed.Frames.Where(f => f.Resumed).Select(f => f.Index));
        Assert.All(resumed.Frames.Where(f => f.Resumed), f => Assert.Equal(0, f.WorkerId));
        Assert.Equal(3, resumed.FramesPerWorker.Values.Sum());
        Assert.Equal(Enumerable.Range(0, 6), partial.Indexes);
    }

    [Fact]
    public async Task RenderAsync_StoreThatFailsToSaveAndToLoad_StillRendersTheWholeAnimation()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Process));
        RenderResult clean = await farm.RenderAsync(TinyRender.Settings()).Within("a render without a store");

        RenderResult withBrokenStore = await farm.RenderAsync(TinyRender.Settings(), new BrokenFrameStore(), null, CancellationToken.None).Within("a render whose store fails");

        Assert.Equal(clean.Apng, withBrokenStore.Apng);
        Assert.Equal(0, withBrokenStore.FramesResumed);
    }

    [Fact]
    public async Task RenderAsync_KeptFrameWithBytesAfterItsEnd_IsRenderedAgain()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Process));
        var whole = new MemoryFrameStore();
        RenderResult clean = await farm.RenderAsync(TinyRender.Settings(), whole, null, CancellationToken.None).Within("a clean render");

        // Frame 1 as kept, with bytes after the end of its zlib stream: it inflates to the right pixels, but it is
        // not what the render makes, and would put stray bytes in the animation.
        var damaged = new MemoryFrameStore();
        damaged.Put(0, whole.Get(0));
        damaged.Put(1, [.. whole.Get(1), 0, 1, 2, 3]);
        RenderResult resumed = await farm.RenderAsync(TinyRender.Settings(), damaged, null, CancellationToken.None).Within("the resumed render");

        Assert.Equal([0], resumed.Frames.Where(f => f.Resumed).Select(f => f.Index));
        Assert.Equal(clean.Apng, resumed.Apng);
        Assert.Equal(whole.Get(1), damaged.Get(1));
    }

    [Fact]
    public async Task RenderAsync_NullFrameStore_ThrowsNamingIt()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Process));

        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => farm.RenderAsync(TinyRender.Settings(), null!, null, CancellationToken.None));

        Assert.Equal("frameStore", error.ParamName);
    }

    private sealed class MemoryFrameStore : IRenderFrameStore
    {
        private readonly ConcurrentDictionary<int, byte[]> _frames = new();

        public IEnumerable<int> Indexes => _frames.Keys.Order();

        public bool Has(int index) => _frames.ContainsKey(index);

        public byte[] Get(int index) => _frames[index];

        public void Put(int index, byte[] compressed) => _frames[index] = compressed;

        public Task<IReadOnlyDictionary<int, byte[]>> LoadAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<int, byte[]>>(new Dictionary<int, byte[]>(_frames));

        public Task SaveAsync(int index, byte[] compressed, CancellationToken cancellationToken)
        {
            _frames[index] = compressed;
            return Task.CompletedTask;
        }
    }

    /// <summary>A store whose server is away: every load and save fails.</summary>
    private sealed class BrokenFrameStore : IRenderFrameStore
    {
        public Task<IReadOnlyDictionary<int, byte[]>> LoadAsync(CancellationToken cancellationToken) =>
            Task.FromException<IReadOnlyDictionary<int, byte[]>>(new IOException("the store is away"));

        public Task SaveAsync(int index, byte[] compressed, CancellationToken cancellationToken) =>
            Task.FromException(new IOException("the store is away"));
    }

    /// <summary>Reports on the farm's thread, in order (Progress&lt;T&gt; would post them).</summary>
    private sealed class SyncProgress(Action<RenderProgress> report) : IProgress<RenderProgress>
    {
        public void Report(RenderProgress value) => report(value);
    }
}

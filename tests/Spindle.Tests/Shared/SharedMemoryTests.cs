using System.Diagnostics;
using Spindle;
using Spindle.Pools;
using Spindle.Shared;
using Spindle.Tests.Support;

namespace Spindle.Tests.Shared;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class SharedMemoryTests
{
    [Fact]
    public async Task WorkerWritesSharedMemory_ParentSeesTheBytes_AndTheFileGoesWithTheLastUser()
    {
        using var memory = SharedMemory.Create(4096);
        string file = Path.Combine(SegmentDirectory.Path, memory.Name);
        Assert.True(File.Exists(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        await using var worker = new WorkerProcess(Fill, memory, (byte)42);
        worker.Start();
        await worker.JoinAsync().WaitAsync(Bounded.Unexpected);

        Assert.Equal(0, worker.ExitCode);
        Assert.All(memory.Span.ToArray(), b => Assert.Equal(42, b));
        memory.Dispose();
        Assert.False(File.Exists(file), "the last user's Dispose removes the file");
    }

    private static void Fill(SharedMemory memory, byte value)
    {
        memory.Span.Fill(value);
    }

    [Fact]
    public async Task SharedArrayPassedToPool_IsTheSamePages_NotACopy()
    {
        using SharedArray<int> numbers = SharedArray.Create<int>(1000);
        await using WorkerPool pool = TestPools.Process();
        int pid = await pool.RunAsync(Square, numbers).Within("worker squares in place");

        Assert.NotEqual(Environment.ProcessId, pid);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(i * i, numbers[i]);
        }
    }

    private static int Square(SharedArray<int> numbers)
    {
        Span<int> span = numbers.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = i * i;
        }

        return Environment.ProcessId;
    }

    [Fact]
    public async Task SharedArrayCapturedByLambda_OnThreadIsolation_IsTheSameInstance()
    {
        using SharedArray<long> values = SharedArray.Create<long>(4);
        await using WorkerPool pool = TestPools.Thread();
        bool same = await pool.RunAsync(() => ReferenceEquals(values, Capture.Last = values) && values.Length == 4).Within("thread call");
        Assert.True(same);
        Assert.Same(values, Capture.Last);
    }

    private static class Capture
    {
        public static object? Last { get; set; }
    }

    [Fact]
    public async Task LastUserKilled_LeftoverIsSweptAway()
    {
        string name = "killed-" + Guid.NewGuid().ToString("N");
        string file = Path.Combine(SegmentDirectory.Path, name);
        await using var worker = new WorkerProcess(CreateAndHang, name);
        worker.Start();
        await Bounded.Eventually(() => File.Exists(file), "the worker created the shared memory");
        using (SharedMemory opened = SharedMemory.Open(name))
        {
            await Bounded.Eventually(() => opened.Span[0] == 7, "the worker's write shows here");
        }

        Assert.True(File.Exists(file), "the worker still uses it");
        Process.GetProcessById(worker.Id).Kill();
        await worker.JoinAsync().WaitAsync(Bounded.Unexpected);

        // Any process's sweep may get there first (workers of other tests sweep when they create their first object).
        SegmentDirectory.RemoveLeftovers();
        Assert.False(File.Exists(file), "a segment whose every user died is removed");
        Assert.Throws<SharedObjectNotFoundException>(() => SharedMemory.Open(name));
    }

    [Fact]
    public async Task OtherUserKilled_LastLiveUserDisposing_RemovesTheFile()
    {
        using SharedMemory memory = SharedMemory.Create(64);
        string file = Path.Combine(SegmentDirectory.Path, memory.Name);
        await using var worker = new WorkerProcess(OpenAndHang, memory.Name);
        worker.Start();
        await Bounded.Eventually(() => memory.Span[0] == 1, "the worker opened the shared memory");
        Process.GetProcessById(worker.Id).Kill();
        await worker.JoinAsync().WaitAsync(Bounded.Unexpected);

        Assert.True(File.Exists(file));
        memory.Dispose();
        Assert.False(File.Exists(file), "the dead worker no longer counts as a user");
    }

    private static void CreateAndHang(string name)
    {
        SharedMemory memory = SharedMemory.Create(64, name);
        memory.Span[0] = 7;
        Task.Delay(Timeout.Infinite).Wait();
        GC.KeepAlive(memory);
    }

    private static void OpenAndHang(string name)
    {
        SharedMemory memory = SharedMemory.Open(name);
        memory.Span[0] = 1;
        Task.Delay(Timeout.Infinite).Wait();
        GC.KeepAlive(memory);
    }
}

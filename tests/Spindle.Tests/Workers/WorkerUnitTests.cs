using Spindle;
using Spindle.Calls;
using Spindle.Tests.Support;

namespace Spindle.Tests.Workers;

public class WorkerUnitTests
{
    [Fact]
    public async Task WorkerProcess_RunsTheDelegateInANewProcess_AndExitsWithCodeZero()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"spindle-{Guid.NewGuid():N}.txt");
        try
        {
            var process = new WorkerProcess(WritePid, marker);
            Assert.Equal(0, process.Id);

            process.Start();
            Assert.NotEqual(0, process.Id);
            await process.JoinAsync().Within("the worker process");

            Assert.False(process.IsAlive);
            Assert.Equal(0, process.ExitCode);
            Assert.Null(process.Exception);
            Assert.Equal(process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(marker));
            Assert.NotEqual(Environment.ProcessId, process.Id);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public void WorkerProcess_DelegateThrows_ExitCodeOneAndRemoteException()
    {
        var process = new WorkerProcess(() => throw new InvalidOperationException("nope"));

        process.Start();
        Assert.True(process.Join(Bounded.Unexpected), "the worker process did not finish");

        Assert.Equal(1, process.ExitCode);
        var error = Assert.IsType<RemoteException>(process.Exception);
        Assert.Equal("nope", error.RemoteMessage);
    }

    [Fact]
    public async Task WorkerProcess_Kill_EndsItWithSigkill()
    {
        await using var process = new WorkerProcess(() => Task.Delay(Timeout.Infinite).Wait());
        process.Start();
        await Bounded.Eventually(() => process.IsAlive, "the process runs");

        process.Kill();
        await process.JoinAsync().Within("the killed process");

        Assert.Equal("SIGKILL", process.Exit?.SignalName);
        Assert.IsType<WorkerCrashedException>(process.Exception);
    }

    [Fact]
    public void WorkerProcess_UnsendableArgument_FailsInTheConstructor()
    {
        using var stream = new MemoryStream();

        var error = Assert.Throws<ProcessBoundaryException>(() => new WorkerProcess(CountBytes, stream));

        Assert.Equal("argument 'source'", error.Variable);
    }

    [Fact]
    public void WorkerProcess_JoinBeforeStart_SaysToStartFirst()
    {
        var process = new WorkerProcess(() => { });

        var error = Assert.Throws<InvalidOperationException>(process.Join);

        Assert.Contains("Start()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerThread_RunsOnAnotherThreadOfThisProcess_SharingMemory()
    {
        var seen = new int[2];
        var thread = new WorkerThread(() =>
        {
            seen[0] = Environment.ProcessId;
            seen[1] = Environment.CurrentManagedThreadId;
        });

        thread.Start();
        await thread.JoinAsync().Within("the worker thread");

        Assert.Equal(Environment.ProcessId, seen[0]);
        Assert.Equal(thread.Id, seen[1]);
        Assert.NotEqual(Environment.CurrentManagedThreadId, thread.Id);
        Assert.False(thread.IsAlive);
    }

    [Fact]
    public void WorkerThread_DelegateThrows_ExceptionIsKeptNotFatal()
    {
        var thread = new WorkerThread(Fail, "bad");

        thread.Start();
        Assert.True(thread.Join(Bounded.Unexpected), "the worker thread did not finish");

        Assert.IsType<FormatException>(thread.Exception);
    }

    private static void WritePid(string path) => File.WriteAllText(path, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static long CountBytes(Stream source) => source.Length;

    private static void Fail(string message) => throw new FormatException(message);
}

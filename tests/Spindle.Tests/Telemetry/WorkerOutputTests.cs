using Microsoft.Extensions.Logging;
using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Telemetry;

/// <summary>
/// With <see cref="WorkerOutput.Logger"/>, what a worker process writes to stdout and stderr reaches the pool's
/// <see cref="ILoggerFactory"/> line by line, in the category of its pool, with the worker's pid in a scope.
/// </summary>
public class WorkerOutputTests
{
    [Fact]
    public async Task WorkerOutputLogger_WorkerWritesLines_EachLineIsALogEntryWithThePidInScope()
    {
        var logs = new CollectingLoggerFactory();
        await using WorkerPool pool = TestPools.Process(workers: 1, o =>
        {
            o.Name = "logged";
            o.LoggerFactory = logs;
            o.WorkerOutput = WorkerOutput.Logger;
        });

        int pid = await pool.RunAsync(static () =>
        {
            Console.Error.WriteLine("first error line");
            Console.Error.Write("second error line\r\n");
            Console.Out.WriteLine("an output line");
            Console.Out.Flush();
            return Environment.ProcessId;
        }).Within("the call that writes");

        CollectingLoggerFactory.Entry[] worker = [];
        await Bounded.Eventually(
            () => (worker = [.. logs.Entries.Where(e => e.Category == "Spindle.Worker.logged")]).Length >= 3,
            "the worker's three lines are logged");

        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Equal(["first error line", "second error line"], worker.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message));
        Assert.Equal(["an output line"], worker.Where(e => e.Level == LogLevel.Information).Select(e => e.Message));
        Assert.All(worker, e => Assert.Equal(pid, e.ScopeValue("WorkerProcessId")));
    }

    [Fact]
    public async Task WorkerOutputLogger_LineLongerThanTheBound_IsLoggedInPiecesOfTheBound()
    {
        var logs = new CollectingLoggerFactory();
        await using WorkerPool pool = TestPools.Process(workers: 1, o =>
        {
            o.Name = "long-line";
            o.LoggerFactory = logs;
            o.WorkerOutput = WorkerOutput.Logger;
        });

        // 40,000 characters and no newline until the end: never gathered whole, logged in pieces of 16,384.
        await pool.RunAsync(static () =>
        {
            Console.Error.Write(new string('x', 40_000));
            Console.Error.WriteLine();
        }).Within("the call that writes one long line");

        string[] pieces = [];
        await Bounded.Eventually(
            () => (pieces = [.. logs.Entries.Where(e => e.Category == "Spindle.Worker.long-line").Select(e => e.Message)]).Sum(p => p.Length) >= 40_000,
            "the long line is logged");

        Assert.Equal([16_384, 16_384, 40_000 - (2 * 16_384)], pieces.Select(p => p.Length));
        Assert.All(pieces, p => Assert.All(p, c => Assert.Equal('x', c)));
    }

    [Fact]
    public async Task WorkerOutputLogger_Crash_StderrTailStillInTheException()
    {
        var logs = new CollectingLoggerFactory();
        await using WorkerPool pool = TestPools.Process(workers: 1, o =>
        {
            o.LoggerFactory = logs;
            o.WorkerOutput = WorkerOutput.Logger;
        });

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(static () =>
        {
            Console.Error.WriteLine("last words before dying");
            Console.Error.Flush();
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        }).Within("the crashing call"));

        Assert.Contains("last words before dying", crash.StandardErrorTail, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerOutputLogger_NoLoggerFactory_ThrowsNamingTheOptions()
    {
        var options = new WorkerPoolOptions { WorkerOutput = WorkerOutput.Logger };

        ArgumentException e = Assert.Throws<ArgumentException>(() => new WorkerPool(options));

        Assert.Contains("WorkerOutput", e.Message, StringComparison.Ordinal);
        Assert.Contains("LoggerFactory", e.Message, StringComparison.Ordinal);
    }
}

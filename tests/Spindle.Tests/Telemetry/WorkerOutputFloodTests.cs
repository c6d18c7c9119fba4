using Microsoft.Extensions.Logging;
using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Telemetry;

/// <summary>
/// Logged worker output keeps the memory bound that forwarded output has: a quarter gigabyte written without a newline
/// is logged in bounded pieces as it arrives, never gathered whole.
/// </summary>
[Collection(SerialCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class WorkerOutputFloodTests
{
    private const char Mark = '¤';
    private const int FloodChars = 256 << 20;

    [Fact]
    public async Task WorkerOutputLogger_QuarterGigabyteWithoutNewline_ParentMemoryStaysBoundedAndEveryCharacterIsLogged()
    {
        var logger = new CountingLoggerFactory(Mark);
        await using WorkerPool pool = TestPools.Process(workers: 1, o =>
        {
            o.LoggerFactory = logger;
            o.WorkerOutput = WorkerOutput.Logger;
        });
        await pool.RunAsync(() => 1).Within("warm-up call");
        GC.Collect();
        long before = ProcessMemory.ResidentBytes("VmRSS");
        ProcessMemory.ResetPeakResident();

        await pool.RunAsync(static count =>
        {
            string chunk = new(Mark, 1 << 20);
            for (int i = 0; i < count / chunk.Length; i++)
            {
                Console.Error.Write(chunk);
            }

            Console.Error.Flush();
            return 0;
        }, FloodChars).Within("the flood");
        await Bounded.Eventually(() => logger.Count >= FloodChars, $"all {FloodChars} characters are logged (so far {logger.Count})");

        long growth = ProcessMemory.ResidentBytes("VmHWM") - before;
        Assert.True(growth < 64L << 20, $"the parent's peak resident set grew by {growth >> 20} MiB while logging {FloodChars >> 20} MiB");
        Assert.Equal(FloodChars, logger.Count);
        Assert.Equal(0, logger.LongestEntry % 16_384);
        Assert.Equal(16_384, logger.LongestEntry);
    }

    /// <summary>Counts one character in every entry and keeps nothing: the test must not hold 256 MiB itself.</summary>
    private sealed class CountingLoggerFactory(char counted) : ILoggerFactory, ILogger
    {
        private long _count;
        private int _longest;

        public long Count => Interlocked.Read(ref _count);

        public int LongestEntry => Volatile.Read(ref _longest);

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            Interlocked.Add(ref _count, message.Count(c => c == counted));
            if (message.Length > _longest)
            {
                Volatile.Write(ref _longest, message.Length);
            }
        }
    }
}

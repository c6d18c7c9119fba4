using System.Text;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>
/// Whatever a worker writes to stderr (a <c>\r</c> progress bar never ends its line), the parent forwards it all with
/// bounded memory and keeps a bounded tail for crash reports.
/// </summary>
[Collection(SerialCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class StderrFloodTests
{
    private const char Mark = '¤';
    private const int FloodChars = 256 << 20;

    [Fact]
    public async Task WorkerWritesQuarterGigabyteWithoutNewline_ParentMemoryStaysBounded_AndEveryCharacterIsForwarded()
    {
        var counter = new CountingWriter(Mark);
        TextWriter original = Console.Error;
        Console.SetError(counter);
        try
        {
            await using WorkerPool pool = TestPools.Process();
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
            await Bounded.Eventually(() => counter.Count >= FloodChars, $"all {FloodChars} characters are forwarded (so far {counter.Count})");

            long growth = ProcessMemory.ResidentBytes("VmHWM") - before;
            Assert.True(growth < 64L << 20, $"the parent's peak resident set grew by {growth >> 20} MiB while forwarding {FloodChars >> 20} MiB");
            Assert.Equal(FloodChars, counter.Count);
        }
        finally
        {
            Console.SetError(original);
        }
    }

    [Fact]
    public async Task WorkerDiesAfterAHugeUnendedLine_StandardErrorTailIsBounded_AndKeepsTheHeadline()
    {
        TextWriter original = Console.Error;
        Console.SetError(TextWriter.Null);
        try
        {
            await using WorkerPool pool = TestPools.Process();
            var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(static () =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    Console.Error.Write($"line {i}\n");
                }

                string chunk = new('x', 1 << 20);
                for (int i = 0; i < 16; i++)
                {
                    Console.Error.Write(chunk);
                }

                Console.Error.Flush();
                Environment.FailFast("the end");
                return 0;
            }).Within("the crash"));

            Assert.True(crash.StandardErrorTail.Length < 64 << 10, $"the stderr tail holds {crash.StandardErrorTail.Length} characters");
            Assert.Contains("line 999", crash.StandardErrorTail, StringComparison.Ordinal);
            Assert.Contains("xxx…", crash.StandardErrorTail, StringComparison.Ordinal);
            Assert.Contains("FailFast", crash.Exit.Cause, StringComparison.Ordinal);
        }
        finally
        {
            Console.SetError(original);
        }
    }

    /// <summary>Counts one character and throws the rest away: the test's own log must not receive 256 MiB.</summary>
    private sealed class CountingWriter(char counted) : TextWriter
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == counted)
            {
                Interlocked.Increment(ref _count);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Interlocked.Add(ref _count, buffer.AsSpan(index, count).Count(counted));
        }

        public override void Write(string? value)
        {
            if (value is not null)
            {
                Interlocked.Add(ref _count, value.AsSpan().Count(counted));
            }
        }

        public override void WriteLine(string? value) => Write(value);
    }
}

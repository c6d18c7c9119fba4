using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Faults;

/// <summary>Each way of dying × each stage of a call: only that call fails, and the pool goes on serving.</summary>
public class CrashMatrixTests
{
    public enum Stage
    {
        DecodingArguments,
        Running,
        EncodingResult,
    }

    public static TheoryData<DeathKind, Stage> Matrix()
    {
        var data = new TheoryData<DeathKind, Stage>();
        foreach (DeathKind kind in Enum.GetValues<DeathKind>())
        {
            foreach (Stage stage in Enum.GetValues<Stage>())
            {
                data.Add(kind, stage);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task WorkerDies_OnlyThatCallFails_AndThePoolServesOn(DeathKind kind, Stage stage)
    {
        await using WorkerPool pool = TestPools.Process(workers: 2);
        Task<int> bystander = pool.RunAsync(() =>
        {
            Task.Delay(300).Wait(); // simulated work, running while the other worker dies
            return 7;
        });

        Task<int> doomed = stage switch
        {
            Stage.DecodingArguments => pool.RunAsync(b => b.CreatorPid, new Bomb { CreatorPid = Environment.ProcessId, Kind = kind, ExplodeOnRead = true }),
            Stage.Running => pool.RunAsync(k => { Die.Now(k); return 0; }, kind),
            _ => ResultThatExplodes(pool, kind),
        };

        var crash = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await doomed.Within("the doomed call"));
        Assert.False(string.IsNullOrWhiteSpace(crash.Cause));
        Assert.Equal(7, await bystander.Within("the bystander call"));
        Assert.Equal(42, await pool.RunAsync(x => x * 2, 21).Within("a call after the crash"));
        if (kind is DeathKind.Sigkill)
        {
            Assert.Equal("SIGKILL", crash.Signal);
        }
        else if (kind is DeathKind.Segfault)
        {
            Assert.Equal("SIGSEGV", crash.Signal);
        }
        else if (kind is DeathKind.EnvironmentExit)
        {
            Assert.Equal(7, crash.ExitCode);
        }
        else if (kind is DeathKind.StackOverflow)
        {
            Assert.Contains("stack overflow", crash.Cause, StringComparison.Ordinal);
        }
        else if (kind is DeathKind.FailFast)
        {
            Assert.Contains("FailFast", crash.Cause, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("unhandled exception", crash.Cause, StringComparison.Ordinal);
        }
    }

    private static async Task<int> ResultThatExplodes(WorkerPool pool, DeathKind kind) =>
        (await pool.RunAsync(k => new Bomb { CreatorPid = Environment.ProcessId, Kind = k, ExplodeOnWrite = true }, kind)).CreatorPid;

    /// <summary>Explodes when (de)serialized in a process other than the one that created it.</summary>
    public sealed class Bomb
    {
        private DeathKind _kind;

        public int CreatorPid { get; set; }

        public bool ExplodeOnRead { get; set; }

        public bool ExplodeOnWrite { get; set; }

        public DeathKind Kind
        {
            get
            {
                if (ExplodeOnWrite && Environment.ProcessId == CreatorPid)
                {
                    Die.Now(_kind);
                }

                return _kind;
            }

            set
            {
                _kind = value;
                if (ExplodeOnRead && Environment.ProcessId != CreatorPid)
                {
                    Die.Now(value);
                }
            }
        }
    }
}

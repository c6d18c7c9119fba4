using System.Collections;
using System.Reflection;
using Spindle;
using Spindle.Calls;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>
/// A user's exception is user code: its Message, StackTrace, ToString and the rest are virtual and may throw, and its
/// inner exceptions may form a cycle or nest deeper than a stack holds. Describing it must never take the worker down:
/// each such call fails alone, as a RemoteException with the type intact, and the same worker serves on.
/// </summary>
public class ExceptionDescriptionTests
{
    /// <summary>More than the pool's default MaxRestarts (20): had each call crashed its worker, the pool would fault.</summary>
    private const int Calls = 25;

    public static TheoryData<HostileMember> EveryHostileMember => new(Enum.GetValues<HostileMember>());

    [Theory]
    [MemberData(nameof(EveryHostileMember))]
    public async Task RunAsync_ExceptionWhoseMemberThrows_EveryCallFailsAsRemoteException_OnTheSameWorker(HostileMember member)
    {
        WorkerPool pool = TestPools.Process();
        try
        {
            int pid = await pool.RunAsync(() => Environment.ProcessId).Within("the first call");

            for (int i = 0; i < Calls; i++)
            {
                var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(HostileException.Throw, member).Within($"hostile call {i}"));

                Assert.Equal(typeof(HostileException).FullName, error.RemoteType);
                Assert.Equal(pid, error.WorkerProcessId);
            }

            Assert.Equal(pid, await pool.RunAsync(() => Environment.ProcessId).Within("the call after the hostile ones"));
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task RunAsync_MessageGetterThrows_DescriptionSaysWhatCouldNotBeRead()
    {
        WorkerPool pool = TestPools.Process();
        try
        {
            var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(HostileException.Throw, HostileMember.MessageAndStackTrace).Within("the hostile call"));

            Assert.Equal($"<Message getter threw {typeof(InvalidOperationException).FullName}: {HostileException.Refusal}>", error.RemoteMessage);
            Assert.Equal($"<StackTrace getter threw {typeof(InvalidOperationException).FullName}: {HostileException.Refusal}>", error.RemoteStackTrace);
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task RunAsync_MessageGetterThrowsAnExceptionWhoseMessageThrows_DescribedWithoutReadingOnAndOn()
    {
        WorkerPool pool = TestPools.Process();
        try
        {
            var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(HostileException.Throw, HostileMember.MessageThrowsHostile).Within("the hostile call"));

            string hostile = typeof(HostileException).FullName!;
            Assert.Equal($"<Message getter threw {hostile}: <Message getter threw {hostile}>>", error.RemoteMessage);
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task RunAsync_CyclicInnerExceptions_EachDescribedOnce_AndTheCycleNamed()
    {
        WorkerPool pool = TestPools.Process();
        try
        {
            var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(ThrowCycle).Within("the call with a cyclic chain"));

            var inner = Assert.IsType<RemoteException>(error.InnerException);
            Assert.Null(inner.InnerException);
            Assert.Equal("first", error.RemoteMessage);
            Assert.StartsWith("second <the chain goes on in a cycle", inner.RemoteMessage, StringComparison.Ordinal);
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task RunAsync_VeryDeepInnerExceptions_TheFirstAreDescribed_AndTheRestCounted()
    {
        WorkerPool pool = TestPools.Process();
        try
        {
            var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(ThrowDeepChain, 1000).Within("the call with a deep chain"));

            var chain = new List<RemoteException>();
            for (Exception? e = error; e is RemoteException remote; e = e.InnerException)
            {
                chain.Add(remote);
            }

            Assert.Equal(8, chain.Count);
            Assert.Equal("level 7 <992 more inner exceptions not shown>", chain[^1].RemoteMessage);
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task RunAsync_AggregateExceptionsNestedDeeperThanAStackHolds_WorkerSurvives()
    {
        WorkerPool pool = TestPools.Process();
        try
        {
            int pid = await pool.RunAsync(() => Environment.ProcessId).Within("the first call");

            var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(ThrowNestedAggregates, 200_000).Within("the call with nested aggregates"));

            Assert.Equal(typeof(AggregateException).FullName, error.RemoteType);
            Assert.Contains("nested more than", error.RemoteMessage, StringComparison.Ordinal);
            Assert.Equal(pid, await pool.RunAsync(() => Environment.ProcessId).Within("the call after"));
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Fact]
    public async Task RunAsync_AggregateOfHostileExceptions_DescribedWithTheFirstAsInner()
    {
        WorkerPool pool = TestPools.Process();
        try
        {
            var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(ThrowAggregateOfHostile).Within("the call with an aggregate"));

            Assert.Equal(typeof(AggregateException).FullName, error.RemoteType);
            Assert.StartsWith("<Message getter threw", error.RemoteMessage, StringComparison.Ordinal);
            var inner = Assert.IsType<RemoteException>(error.InnerException);
            Assert.Equal(typeof(HostileException).FullName, inner.RemoteType);
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Theory]
    [InlineData(HostileMember.Message)]
    [InlineData(HostileMember.ToString)]
    public async Task WorkerProcess_DelegateThrowsHostileException_ExitCodeOneAndRemoteException(HostileMember member)
    {
        await using var process = new WorkerProcess(HostileException.Throw, member);

        process.Start();
        await process.JoinAsync().Within("the worker process");

        Assert.Equal(1, process.ExitCode);
        var error = Assert.IsType<RemoteException>(process.Exception);
        Assert.Equal(typeof(HostileException).FullName, error.RemoteType);
    }

    [Fact]
    public async Task WorkerThread_DelegateThrowsExceptionWhoseToStringThrows_ExceptionIsKept_NotFatal()
    {
        // Run where a fatal outcome kills a worker process, not the test run.
        WorkerPool pool = TestPools.Process();
        try
        {
            string? kept = await pool.RunAsync(member =>
            {
                var thread = new WorkerThread(() => { HostileException.Throw(member); });
                thread.Start();
                return thread.Join(TimeSpan.FromSeconds(30)) ? thread.Exception?.GetType().FullName : "still running";
            }, HostileMember.ToString).Within("the worker thread inside a worker process");

            Assert.Equal(typeof(HostileException).FullName, kept);
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    [Theory]
    [MemberData(nameof(EveryHostileMember))]
    public async Task ThreadIsolation_ExceptionWhoseMemberThrows_IsRethrownAsItself_AndThePoolServes(HostileMember member)
    {
        WorkerPool pool = TestPools.Thread();
        try
        {
            for (int i = 0; i < Calls; i++)
            {
                var error = await Assert.ThrowsAsync<HostileException>(() => pool.RunAsync(HostileException.Throw, member).Within($"hostile call {i}"));

                Assert.Equal(member, error.Member);
            }

            Assert.Equal(3, await pool.RunAsync(() => 3).Within("the call after the hostile ones"));
        }
        finally
        {
            await pool.DisposeWithinAsync();
        }
    }

    private static int ThrowCycle()
    {
        var first = new InvalidOperationException("first");
        var second = new FormatException("second", first);
        SetInner(first, second);
        throw first;
    }

    private static int ThrowDeepChain(int depth)
    {
        Exception? chain = null;
        for (int level = depth - 1; level >= 0; level--)
        {
            chain = new InvalidOperationException($"level {level}", chain);
        }

        throw chain!;
    }

    private static int ThrowNestedAggregates(int depth)
    {
        Exception nested = new InvalidOperationException("at the bottom");
        for (int level = 0; level < depth; level++)
        {
            nested = new AggregateException(nested);
        }

        throw nested;
    }

    private static int ThrowAggregateOfHostile() =>
        throw new AggregateException(new HostileException(HostileMember.Message), new InvalidOperationException("a plain one"));

    /// <summary>An exception's inner exception is set once, by its constructor; a cycle takes reflection.</summary>
    private static void SetInner(Exception exception, Exception inner) =>
        typeof(Exception).GetField("_innerException", BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(exception, inner);
}

/// <summary>Which member of a <see cref="HostileException"/> throws when read.</summary>
public enum HostileMember
{
    Message,
    StackTrace,
    MessageAndStackTrace,
    MessageThrowsHostile,
    ToString,
    Data,
    Source,
    HelpLink,
    EqualsAndGetHashCode,
}

/// <summary>An exception one of whose members throws when read.</summary>
public sealed class HostileException(HostileMember member) : Exception("hostile")
{
    public const string Refusal = "this exception will not say";

    public HostileMember Member { get; } = member;

    public override string Message => Member switch
    {
        HostileMember.Message or HostileMember.MessageAndStackTrace => throw new InvalidOperationException(Refusal),
        // Its own message throws the same way: a description that kept reading would never end.
        HostileMember.MessageThrowsHostile => throw new HostileException(HostileMember.MessageThrowsHostile),
        _ => base.Message,
    };

    public override string? StackTrace => Member is HostileMember.StackTrace or HostileMember.MessageAndStackTrace
        ? throw new InvalidOperationException(Refusal)
        : base.StackTrace;

    public override IDictionary Data => Member == HostileMember.Data ? throw new InvalidOperationException(Refusal) : base.Data;

    public override string? Source
    {
        get => Member == HostileMember.Source ? throw new InvalidOperationException(Refusal) : base.Source;
        set => base.Source = value;
    }

    public override string? HelpLink
    {
        get => Member == HostileMember.HelpLink ? throw new InvalidOperationException(Refusal) : base.HelpLink;
        set => base.HelpLink = value;
    }

    public static int Throw(HostileMember member) => throw new HostileException(member);

    public override string ToString() => Member == HostileMember.ToString ? throw new InvalidOperationException(Refusal) : base.ToString();

    public override bool Equals(object? obj) => Member == HostileMember.EqualsAndGetHashCode ? throw new InvalidOperationException(Refusal) : base.Equals(obj);

    public override int GetHashCode() => Member == HostileMember.EqualsAndGetHashCode ? throw new InvalidOperationException(Refusal) : base.GetHashCode();
}

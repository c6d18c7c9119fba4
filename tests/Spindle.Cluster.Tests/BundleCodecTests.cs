using System.Text;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Tests;

/// <summary>The bodies of bundles and their answers: what goes in comes out, and a damaged body is refused, not misread.</summary>
public sealed class BundleCodecTests
{
    [Fact]
    public void DecodeCalls_OfEncodedCalls_GivesEachCallItsOwnFrame()
    {
        Bundle.CallEntry[] calls =
        [
            new(1, 0, Encoding.UTF8.GetBytes("first")),
            new(long.MaxValue, 3, Array.Empty<byte>()),
            new(42, 1, new byte[] { 0, 255, 7 }),
        ];

        List<Bundle.CallEntry> decoded = Bundle.DecodeCalls(Bundle.EncodeCalls(calls));

        Assert.Equal(calls.Select(c => (c.CallId, c.Attempt)), decoded.Select(c => (c.CallId, c.Attempt)));
        Assert.Equal(calls.Select(c => c.Frame.ToArray()), decoded.Select(c => c.Frame.ToArray()));
    }

    [Fact]
    public void DecodeKeys_OfEncodedKeys_GivesThemBackInOrder()
    {
        (long, int)[] keys = [(5, 0), (6, 2), (long.MinValue, int.MaxValue)];

        Assert.Equal(keys, Bundle.DecodeKeys(Bundle.EncodeKeys(keys)));
    }

    [Fact]
    public void DecodeAnswers_OfEncodedAnswers_KeepsEveryField()
    {
        var result = new CallAnswer(CallOutcome.Result, [1, 2, 3]) { WorkerProcessId = 4321, RunMicros = 57 };
        var crash = new CallAnswer(CallOutcome.Crashed, Encoding.UTF8.GetBytes("stderr tail é"))
        {
            WorkerProcessId = 99,
            ExitCode = 37,
            Signal = null,
            Cause = "the worker process exited with code 37 ü",
        };
        var stored = new CallAnswer(CallOutcome.Result, []) { WorkerProcessId = 1, ValueName = "client.1.0.result", RunMicros = 10 };
        var error = new CallAnswer(CallOutcome.Error, Encoding.UTF8.GetBytes("no build")) { Signal = 9 };
        (long, int, CallAnswer)[] answers = [(1, 0, result), (2, 1, crash), (3, 0, stored), (4, 0, error)];

        List<(long CallId, int Attempt, CallAnswer Answer)> decoded = Bundle.DecodeAnswers(Bundle.EncodeAnswers(answers));

        Assert.Equal(answers.Select(a => (a.Item1, a.Item2)), decoded.Select(a => (a.CallId, a.Attempt)));
        for (int i = 0; i < answers.Length; i++)
        {
            CallAnswer expected = answers[i].Item3;
            CallAnswer actual = decoded[i].Answer;
            Assert.Equal(expected.Outcome, actual.Outcome);
            Assert.Equal(expected.Body, actual.Body);
            Assert.Equal(expected.WorkerProcessId, actual.WorkerProcessId);
            Assert.Equal(expected.ExitCode, actual.ExitCode);
            Assert.Equal(expected.Signal, actual.Signal);
            Assert.Equal(expected.Cause, actual.Cause);
            Assert.Equal(expected.ValueName, actual.ValueName);
            Assert.Equal(expected.RunMicros, actual.RunMicros);
        }
    }

    [Fact]
    public void Decode_TruncatedOrDamagedBodies_AreRefusedWithFormatException()
    {
        byte[] calls = Bundle.EncodeCalls([new(1, 0, new byte[10])]);
        byte[] answers = Bundle.EncodeAnswers([(1, 0, new CallAnswer(CallOutcome.Result, new byte[10]))]);
        byte[] badOutcome = (byte[])answers.Clone();
        badOutcome[12] = 9;

        Assert.Throws<FormatException>(() => Bundle.DecodeCalls(calls[..^1]));
        Assert.Throws<FormatException>(() => Bundle.DecodeCalls(calls[..10]));
        Assert.Throws<FormatException>(() => Bundle.DecodeKeys(new byte[13]));
        Assert.Throws<FormatException>(() => Bundle.DecodeAnswers(answers[..^1]));
        Assert.Throws<FormatException>(() => Bundle.DecodeAnswers(badOutcome));
    }

    [Fact]
    public void Plan_SplitsByCallsAndByTheServersMaxPayload()
    {
        // 32 calls at most per bundle.
        Assert.Equal([32, 32, 6], Bundle.Plan([.. Enumerable.Repeat(10, 70)], 32, maxPayload: 1 << 20));

        // 12 frames of 16 KB in 64 KB messages (less the header allowance): 3 per bundle, whatever the call limit.
        List<int> plan = Bundle.Plan([.. Enumerable.Repeat(16 * 1024, 12)], 32, maxPayload: 64 * 1024);
        Assert.Equal([3, 3, 3, 3], plan);
        byte[] frame = new byte[16 * 1024];
        Assert.True(Bundle.EncodeCalls([.. Enumerable.Repeat(new Bundle.CallEntry(1, 0, frame), 3)]).Length < (64 * 1024) - 4096);

        // A frame that fills a message on its own goes alone; an unknown limit only counts calls.
        Assert.Equal([1, 1], Bundle.Plan([60 * 1024, 60 * 1024], 32, maxPayload: 64 * 1024));
        Assert.Equal([4], Bundle.Plan([.. Enumerable.Repeat(1 << 20, 4)], 4, maxPayload: null));
        Assert.Empty(Bundle.Plan([], 32, maxPayload: null));
    }

    [Fact]
    public void AnswerBytes_IsNoLessThanTheEncodedSize()
    {
        var answer = new CallAnswer(CallOutcome.Crashed, new byte[100]) { Cause = "ñ cause", ValueName = "v", ExitCode = 1 };

        Assert.True(Bundle.AnswerBytes(answer) >= Bundle.EncodeAnswers([(1, 0, answer)]).Length);
    }
}

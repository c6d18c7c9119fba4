using System.Globalization;
using System.Text;
using System.Threading.Channels;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// A bundle of tiny calls on an agent (Nats/Bundle.cs): claimed together (always: see RunBundleAsync), run in the
/// local pool side by side, answered together as they end (in one message when they end within moments of each other; none above the
/// server's max_payload) and acked once all are answered.
/// Each call is still a call of its own on the agent: in <see cref="_running"/> under its key, so its caller's stops,
/// its signs of life and its in-progress acks work as a lone call's.
/// </summary>
internal sealed partial class ClusterAgent
{
    /// <summary>How long a bundled call's answer may wait for the rest of its bundle, to travel with theirs.</summary>
    private static readonly TimeSpan AnswerWait = TimeSpan.FromMilliseconds(10);

    private async Task RunBundleAsync(CallDelivery message, WorkerSlot slot)
    {
        string client = Header(message, ClusterHeaders.Client);
        string build = Header(message, ClusterHeaders.Build);
        string? serializer = OptionalHeader(message, ClusterHeaders.Serializer);
        long aliveEveryMs = long.Parse(Header(message, ClusterHeaders.AliveEvery), CultureInfo.InvariantCulture);
        string inbox = _names.Client(client);
        List<Bundle.CallEntry> calls = Bundle.DecodeCalls(message.Data ?? []);
        if (calls.Count == 0)
        {
            throw new FormatException("A bundle with no calls.");
        }

        string bundleKey = $"{ClusterHeaders.CallKey(client, calls[0].CallId, calls[0].Attempt)}+{calls.Count}";

        // Always claimed, call by call in one request, even on a first delivery (a lone call's runs at once and is only
        // announced, RunClaimedAsync): a bundle waits in the stream as long as its calls would, so some may have been
        // cancelled or have timed out meanwhile, and a bundle is not deleted for one of them (ClusterClient.Forget).
        // A claim asked before running costs one round trip per bundle, not per call. The first delivery from a caller
        // heard from lately is claimed persistently (AskClaimAsync): such a caller is most likely cut off for a moment.
        NatsHeaders claim = BundleAnswer(ClusterHeaders.EventClaim, calls.Count);
        claim[ClusterHeaders.Ack] = message.AckSubject;
        bool callerAlive = message.NumDelivered <= 1 && HeardLately(client);
        byte[]? reply = await AskClaimAsync(inbox, claim, Bundle.EncodeKeys(Keys(calls)), $"a bundle of {calls.Count} calls", persist: callerAlive).ConfigureAwait(false);
        if (reply is null)
        {
            await PutBackUnansweredAsync(message, bundleKey, $"a bundle of {calls.Count} calls of {inbox}").ConfigureAwait(false);
            return;
        }

        Heard(client);
        _unanswered.TryRemove(bundleKey, out _);
        if (reply.Length != calls.Count)
        {
            throw new FormatException($"The answer to a claim of {calls.Count} calls has {reply.Length} bytes.");
        }

        List<Bundle.CallEntry> toRun = calls.Where((_, i) => reply[i] == 1).ToList();
        if (toRun.Count == 0)
        {
            // None still wanted here (cancelled, timed out, or another delivery runs them): the bundle leaves the stream.
            await message.TerminateAsync().ConfigureAwait(false);
            return;
        }

        var running = new AgentCall[toRun.Count];
        for (int i = 0; i < toRun.Count; i++)
        {
            running[i] = new AgentCall(message, inbox, toRun[i].CallId, toRun[i].Attempt, aliveEveryMs);
            _running[KeyOf(client, running[i])] = running[i];
        }

        // Each call counts as busy (the registry's figure, the dashboard's) until it is answered; the bundle counted one.
        Interlocked.Add(ref _busy, toRun.Count - 1);
        try
        {
            // Side by side in the local pool, which queues what its workers cannot take yet. The agent asks for its next
            // call (or bundle) once no more of these wait for a worker, so a worker that finishes finds work here.
            int left = toRun.Count;
            var outbox = Channel.CreateUnbounded<(long CallId, int Attempt, CallAnswer Answer)>();
            var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            for (int i = 0; i < running.Length; i++)
            {
                AgentCall call = running[i];
                _ = RunBundledAsync(client, call, build, serializer, toRun[i].Frame, answer =>
                {
                    outbox.Writer.TryWrite((call.CallId, call.Attempt, answer));
                    int now = Interlocked.Decrement(ref left);
                    if (now > 0)
                    {
                        // The last call's busy count is the bundle's own, given back with its slot (RunCallAsync).
                        Interlocked.Decrement(ref _busy);
                    }

                    if (now <= _options.Workers)
                    {
                        slot.Free();
                    }

                    if (now == 0)
                    {
                        allDone.TrySetResult();
                        outbox.Writer.TryComplete();
                    }
                });
            }

            bool answered = await SendAnswersAsTheyComeAsync(inbox, outbox.Reader, allDone.Task).ConfigureAwait(false);
            slot.Free();
            if (answered)
            {
                Heard(client);
                await message.AckAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (AgentCall call in running)
            {
                _running.TryRemove(new KeyValuePair<string, AgentCall>(KeyOf(client, call), call));
                call.Dispose();
            }
        }
    }

    private async Task RunBundledAsync(string client, AgentCall running, string build, string? serializer, ReadOnlyMemory<byte> frame, Action<CallAnswer> done)
    {
        CallAnswer answer;
        try
        {
            answer = await RunHereAsync(running, build, serializer, KeyOf(client, running), frame, argumentValue: null).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // RunHereAsync answers every failure itself; whatever else went wrong, the call is answered, or its bundle would never be.
            answer = new CallAnswer(CallOutcome.Error, Encoding.UTF8.GetBytes(e.Message));
        }
        finally
        {
            // Out of _running at once: no sign of life for a call that is over, while the rest of its bundle runs.
            _running.TryRemove(new KeyValuePair<string, AgentCall>(KeyOf(client, running), running));
        }

        done(answer);
    }

    /// <summary>
    /// Sends a bundle's answers as its calls end: an answer waits up to <see cref="AnswerWait"/> for the rest of the
    /// bundle, so a bundle of tiny calls is answered in one message, and one call that runs long does not hold back
    /// the others' results. True once every answer was confirmed by the caller.
    /// </summary>
    private async Task<bool> SendAnswersAsTheyComeAsync(string inbox, ChannelReader<(long CallId, int Attempt, CallAnswer Answer)> outbox, Task allDone)
    {
        bool sent = true;
        var batch = new List<(long, int, CallAnswer)>();
        while (await outbox.WaitToReadAsync().ConfigureAwait(false))
        {
            if (!allDone.IsCompleted)
            {
                await Task.WhenAny(allDone, Task.Delay(AnswerWait)).ConfigureAwait(false);
            }

            while (outbox.TryRead(out (long, int, CallAnswer) answer))
            {
                batch.Add(answer);
            }

            // One that could not be sent leaves the bundle unacked (JetStream delivers it again after AckWait); the rest are still sent.
            sent &= await SendBundleAnswersAsync(inbox, batch).ConfigureAwait(false);
            batch.Clear();
        }

        return sent;
    }

    /// <summary>
    /// Sends answers, as few messages as the server's max_payload allows, each confirmed by the caller (see
    /// SendAnswerAsync); true once all are.
    /// </summary>
    private async Task<bool> SendBundleAnswersAsync(string inbox, List<(long CallId, int Attempt, CallAnswer Answer)> answers)
    {
        long limit = (_nats.ServerInfo?.MaxPayload ?? 1024 * 1024) / 2;
        var batch = new List<(long, int, CallAnswer)>();
        long bytes = 0;
        foreach ((long callId, int attempt, CallAnswer answer) in answers)
        {
            long size = Bundle.AnswerBytes(answer);
            if (batch.Count > 0 && bytes + size > limit)
            {
                if (!await SendAnswerAsync(inbox, Bundle.EncodeAnswers(batch), BundleAnswer(ClusterHeaders.EventResults, batch.Count)).ConfigureAwait(false))
                {
                    return false;
                }

                batch.Clear();
                bytes = 0;
            }

            batch.Add((callId, attempt, answer));
            bytes += size;
        }

        return await SendAnswerAsync(inbox, Bundle.EncodeAnswers(batch), BundleAnswer(ClusterHeaders.EventResults, batch.Count)).ConfigureAwait(false);
    }

    private static List<(long CallId, int Attempt)> Keys(List<Bundle.CallEntry> calls) => calls.Select(c => (c.CallId, c.Attempt)).ToList();

    private static string KeyOf(string client, AgentCall call) => ClusterHeaders.CallKey(client, call.CallId, call.Attempt);

    private NatsHeaders BundleAnswer(string kind, int count) => new()
    {
        [ClusterHeaders.Event] = kind,
        [ClusterHeaders.Agent] = Name,
        [ClusterHeaders.Bundle] = Number(count),
    };
}

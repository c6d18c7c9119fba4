using System.Globalization;
using System.Text;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Client;

/// <summary>What agents send to this client's inbox (claims, signs of life, results, failures), and the watch for agents gone silent.</summary>
internal sealed partial class ClusterClient
{
    private static readonly byte[] Run = Encoding.ASCII.GetBytes(ClusterHeaders.ClaimRun);
    private static readonly byte[] Drop = Encoding.ASCII.GetBytes(ClusterHeaders.ClaimDrop);
    private static readonly byte[] Terminate = Encoding.ASCII.GetBytes("+TERM");
    private static readonly byte[] Received = Encoding.ASCII.GetBytes("ok");

    private async Task ReceiveAsync()
    {
        try
        {
            await foreach (NatsMsg<byte[]> message in _inbox.Msgs.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    await OnAnswerAsync(message).ConfigureAwait(false);
                }
                catch (Exception e) when (e is NatsException or FormatException or KeyNotFoundException)
                {
                    LogSendFailed(message.Subject, $"a malformed or unanswerable message: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The pool has stopped.
        }
    }

    private async ValueTask OnAnswerAsync(NatsMsg<byte[]> message)
    {
        string kind = Header(message, ClusterHeaders.Event);
        string agent = Header(message, ClusterHeaders.Agent);
        if (OptionalHeader(message, ClusterHeaders.Bundle) is not null)
        {
            await OnBundleAnswerAsync(message, kind, agent).ConfigureAwait(false);
            return;
        }

        string key = ClusterHeaders.CallKey(_clientId,
            long.Parse(Header(message, ClusterHeaders.Call), CultureInfo.InvariantCulture),
            int.Parse(Header(message, ClusterHeaders.Attempt), CultureInfo.InvariantCulture));
        switch (kind)
        {
            case ClusterHeaders.EventClaim:
                // The first claim of a call still wanted wins; a redelivered copy, a cancelled or finished call is dropped.
                bool run = _flights.TryGetValue(key, out Flight? claimed)
                    && !claimed.Call.CancellationToken.IsCancellationRequested
                    && claimed.TryClaim(agent, OptionalHeader(message, ClusterHeaders.Ack));
                if (!run)
                {
                    Ignored(kind, key);
                }

                await message.ReplyAsync(run ? Run : Drop, cancellationToken: _stopping.Token).ConfigureAwait(false);
                break;

            case ClusterHeaders.EventStarted:
                // A first delivery, running already. Unless the call is still wanted and nobody else runs it, the
                // agent is told to stop it (it then answers "failed", ignored here, and acks the message).
                if (!RunBy(key, agent, OptionalHeader(message, ClusterHeaders.Ack)))
                {
                    Ignored(kind, key);
                    await StopCopyAsync(agent, key).ConfigureAwait(false);
                }

                break;

            case ClusterHeaders.EventAlive:
                if (_flights.TryGetValue(key, out Flight? alive))
                {
                    if (RunBy(key, agent, OptionalHeader(message, ClusterHeaders.Ack)))
                    {
                        alive.Heard();
                    }
                    else if (alive.ReleasedFrom == agent)
                    {
                        // A direct offer it answered too late (paused): the call went to the stream, and another
                        // agent runs it; this copy stops.
                        await StopCopyAsync(agent, key).ConfigureAwait(false);
                    }
                }
                else
                {
                    // A call that has ended here (answered by another copy, cancelled, timed out): a copy still
                    // running stops, as one that says it started does.
                    Ignored(kind, key);
                    await StopCopyAsync(agent, key).ConfigureAwait(false);
                }

                break;

            case ClusterHeaders.EventResult or ClusterHeaders.EventFailed:
                // Claimed before it is confirmed (the agent acks the message once it is): a call whose "started"
                // was lost stops waiting before its message leaves the stream, so it is never taken for a lost one
                // and sent again (ClusterClient.Resending.cs).
                _ = RunBy(key, agent, OptionalHeader(message, ClusterHeaders.Ack));

                // Confirmed whether it is used or not: the agent sends it again until it is.
                await ConfirmAsync(message).ConfigureAwait(false);
                OnCallAnswer(key, agent, AnswerIn(message, kind));
                break;
        }
    }

    /// <summary>Tells <paramref name="agent"/> to kill its run of <paramref name="key"/>: a copy nobody waits for.</summary>
    private Task StopCopyAsync(string agent, string key) =>
        SendAsync(_names.Agent(agent), Encoding.UTF8.GetBytes(key), new NatsHeaders { [ClusterHeaders.Stop] = ClusterHeaders.StopKill });

    /// <summary>What agents say about a bundle's calls (Nats/Bundle.cs): each call is answered as a lone call's message would be.</summary>
    private async ValueTask OnBundleAnswerAsync(NatsMsg<byte[]> message, string kind, string agent)
    {
        switch (kind)
        {
            case ClusterHeaders.EventClaim:
            {
                string? ack = OptionalHeader(message, ClusterHeaders.Ack);
                List<(long CallId, int Attempt)> keys = Bundle.DecodeKeys(message.Data);
                byte[] runs = new byte[keys.Count];
                for (int i = 0; i < keys.Count; i++)
                {
                    string key = ClusterHeaders.CallKey(_clientId, keys[i].CallId, keys[i].Attempt);
                    bool run = _flights.TryGetValue(key, out Flight? claimed)
                        && !claimed.Call.CancellationToken.IsCancellationRequested
                        && claimed.TryClaim(agent, ack);
                    runs[i] = run ? (byte)1 : (byte)0;
                    if (!run)
                    {
                        Ignored(kind, key);
                    }
                }

                await message.ReplyAsync(runs, cancellationToken: _stopping.Token).ConfigureAwait(false);
                break;
            }

            case ClusterHeaders.EventResults:
            {
                await ConfirmAsync(message).ConfigureAwait(false);
                List<(long CallId, int Attempt, CallAnswer Answer)> answers = Bundle.DecodeAnswers(message.Data);

                // The calls these answers set free (the pool's next ones) are sent together, once all are handed over.
                using (Gather())
                {
                    foreach ((long callId, int attempt, CallAnswer answer) in answers)
                    {
                        OnCallAnswer(ClusterHeaders.CallKey(_clientId, callId, attempt), agent, answer);
                    }
                }

                break;
            }

            default:
                throw new FormatException($"'{kind}' is not an answer about a bundle of calls.");
        }
    }

    /// <summary>A lone call's answer, read from its message: the outcome in headers, the payload (or stderr tail, or error) as the body.</summary>
    private static CallAnswer AnswerIn(NatsMsg<byte[]> message, string kind)
    {
        static int? Number(string? text) => text is null ? null : int.Parse(text, CultureInfo.InvariantCulture);
        CallOutcome outcome = kind == ClusterHeaders.EventResult ? CallOutcome.Result
            : OptionalHeader(message, ClusterHeaders.Failure) == ClusterHeaders.FailureCrashed ? CallOutcome.Crashed
            : CallOutcome.Error;
        return new CallAnswer(outcome, message.Data ?? [])
        {
            WorkerProcessId = Number(OptionalHeader(message, ClusterHeaders.Worker)) ?? 0,
            ExitCode = Number(OptionalHeader(message, ClusterHeaders.ExitCode)),
            Signal = Number(OptionalHeader(message, ClusterHeaders.Signal)),
            Cause = OptionalHeader(message, ClusterHeaders.Cause),
            ValueName = OptionalHeader(message, ClusterHeaders.Value),
            RunMicros = OptionalHeader(message, ClusterHeaders.Ran) is { } ran ? long.Parse(ran, CultureInfo.InvariantCulture) : long.MaxValue,
        };
    }

    /// <summary>A call's answer from the agent running it: the first ends its flight; any other is ignored (at most once to the caller).</summary>
    private void OnCallAnswer(string key, string agent, CallAnswer answer)
    {
        if (TakeFlight(key, agent) is not { } flight)
        {
            Ignored(answer.Outcome == CallOutcome.Result ? ClusterHeaders.EventResult : ClusterHeaders.EventFailed, key);
            if (answer.ValueName is { } orphan)
            {
                _ = DeleteStoredAsync(orphan);
            }

            return;
        }

        switch (answer.Outcome)
        {
            case CallOutcome.Result:
                NoteRunTime(answer.RunMicros);
                if (flight.Message is not { IsBundle: true })
                {
                    NoteAnswered(agent);
                }

                _ = DeliverResultAsync(flight, answer.Body, answer.ValueName, answer.WorkerProcessId);
                break;
            case CallOutcome.Crashed:
                _ = DeleteValuesAsync(flight, resultName: null);
                flight.Worker.OnCrashed(flight, new WorkerExit(
                    answer.WorkerProcessId, answer.ExitCode, answer.Signal, answer.Cause ?? "the worker process died", Encoding.UTF8.GetString(answer.Body))
                {
                    Agent = agent,
                });
                break;
            default:
                _ = DeleteValuesAsync(flight, resultName: null);
                flight.Worker.OnFailed(flight, new SpindleException($"Agent '{agent}' could not run the call: {Encoding.UTF8.GetString(answer.Body)}"));
                break;
        }
    }

    /// <summary>
    /// Hands a result to the pool: fetched from the values bucket first if it was too large for one message. Off the
    /// receive loop, so a large result does not hold up other calls' answers.
    /// </summary>
    private async Task DeliverResultAsync(Flight flight, byte[] body, string? valueName, int pid)
    {
        byte[] result;
        try
        {
            result = valueName is null ? body : await LargeValues.GetAsync(await Values().ConfigureAwait(false), valueName, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            flight.Worker.OnFailed(flight, e as SpindleException ?? new SpindleException($"The call's result could not be read from the cluster at '{ServerAddress.Redacted(_options.Server)}': {e.Message}", e));
            await DeleteValuesAsync(flight, valueName).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        if (result.Length > _maxMessageBytes)
        {
            // The agent's workers run with their own limit: the caller's is checked here, where the result arrives.
            await DeleteValuesAsync(flight, valueName).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            flight.Worker.OnFailed(flight, new SpindleException(
                $"The result takes {result.Length} bytes, more than MaxMessageBytes ({_maxMessageBytes}). Raise WorkerPoolOptions.MaxMessageBytes or return less."));
            return;
        }

        // Deleted before the caller sees the result: once the call is answered, nothing of it is left on the server.
        await DeleteValuesAsync(flight, valueName).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        flight.Worker.OnResult(flight, result, pid);
    }

    private async Task DeleteStoredAsync(string name)
    {
        try
        {
            await LargeValues.DeleteAsync(await Values().ConfigureAwait(false), name, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException)
        {
            LogSendFailed(_names.ValuesBucket, e.Message);
        }
    }

    private async ValueTask ConfirmAsync(NatsMsg<byte[]> message)
    {
        if (message.ReplyTo is not null)
        {
            await message.ReplyAsync(Received, cancellationToken: _stopping.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the flight out if <paramref name="agent"/> is the one running it: its first answer ends it.</summary>
    private Flight? TakeFlight(string key, string agent)
    {
        if (_flights.TryGetValue(key, out Flight? flight) && RunBy(key, agent, ackSubject: null) && _flights.TryRemove(new KeyValuePair<string, Flight>(key, flight)))
        {
            flight.StopWaiting();
            return flight;
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="agent"/> runs the call in flight under <paramref name="key"/>. An agent heard from about
    /// a wanted call nobody runs yet becomes its runner: its "started" notice was sent without waiting for an answer,
    /// and one lost (a connection cut at that moment) must not leave the call's result unclaimed.
    /// </summary>
    private bool RunBy(string key, string agent, string? ackSubject)
    {
        if (!_flights.TryGetValue(key, out Flight? flight))
        {
            return false;
        }

        flight.Spoke();
        if (flight.Agent == agent)
        {
            // Its agent may come to hold a stream delivery of it after it first spoke (a direct call that took over
            // its stream copy): the delivery to end if that agent goes silent.
            flight.NoteAckSubject(agent, ackSubject);
            return true;
        }

        return flight.Agent is null && !flight.Call.CancellationToken.IsCancellationRequested && flight.TryClaim(agent, ackSubject);
    }

    /// <summary>
    /// A claimed call whose agent has sent nothing for <see cref="ClusterOptions.AgentSilenceTimeout"/> counts as crashed:
    /// the pool retries or fails it. Its delivery is terminated, so JetStream does not redeliver it as well. The calls
    /// an agent held when it went silent count once against MaxRestarts: one machine lost, not one per call.
    /// </summary>
    private async Task WatchSilenceAsync()
    {
        TimeSpan silence = _options.AgentSilenceTimeout;
        long reconnecting = (long)(ClusterConnection.ReconnectWaitMax * 2).TotalMilliseconds;
        long lastCutOff = long.MinValue / 2;
        var lostAgents = new Dictionary<string, long>(StringComparer.Ordinal);
        using var timer = new PeriodicTimer(silence / 4);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                if (_nats.ConnectionState != NatsConnectionState.Open)
                {
                    lastCutOff = Environment.TickCount64;
                }

                if (Environment.TickCount64 - lastCutOff < reconnecting)
                {
                    // Cut off from the server, this client hears nobody: that is not an agent's silence. Once the
                    // connection is back, agents get the time to reconnect too, then a whole AgentSilenceTimeout.
                    foreach (Flight waiting in _flights.Values)
                    {
                        waiting.Heard();
                    }

                    continue;
                }

                long now = Environment.TickCount64;
                foreach ((string lost, long at) in lostAgents)
                {
                    if (now - at > (long)silence.TotalMilliseconds)
                    {
                        lostAgents.Remove(lost);
                    }
                }

                foreach ((string key, Flight flight) in _flights)
                {
                    if (flight.Agent is not { } agent || now - flight.LastHeard <= (long)silence.TotalMilliseconds
                        || !_flights.TryRemove(new KeyValuePair<string, Flight>(key, flight)))
                    {
                        continue;
                    }

                    LogAgentSilent(agent, silence, key);
                    _ = DeleteValuesAsync(flight, resultName: null);
                    if (flight.AckSubject is { } ack)
                    {
                        _ = SendAsync(ack, Terminate, headers: null);
                    }

                    // One agent lost is one restart against MaxRestarts, however many calls it held (a bundle holds up
                    // to 32): its calls' silences end within one AgentSilenceTimeout of each other.
                    bool counted = lostAgents.TryGetValue(agent, out long lostAt) && now - lostAt < (long)silence.TotalMilliseconds;
                    if (!counted)
                    {
                        lostAgents[agent] = now;
                    }

                    string cause = $"nothing was heard from it for {silence.TotalSeconds:0.#} s (ClusterOptions.AgentSilenceTimeout): it was killed, paused or cut off";
                    flight.Worker.OnCrashed(flight, new WorkerExit(0, null, null, cause, string.Empty) { Agent = agent, CountedWithAnother = counted });
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The pool has stopped.
        }
    }

    private void Ignored(string kind, string key)
    {
        Interlocked.Increment(ref _ignoredAnswers);
        LogIgnored(kind, key);
    }

    private static string Header(NatsMsg<byte[]> message, string name) =>
        OptionalHeader(message, name) ?? throw new KeyNotFoundException($"The message has no {name} header.");

    private static string? OptionalHeader(NatsMsg<byte[]> message, string name) =>
        message.Headers is { } headers && headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;
}

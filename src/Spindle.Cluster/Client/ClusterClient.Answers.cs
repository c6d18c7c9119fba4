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
                    var stop = new NatsHeaders { [ClusterHeaders.Stop] = ClusterHeaders.StopKill };
                    await SendAsync(_names.Agent(agent), Encoding.UTF8.GetBytes(key), stop).ConfigureAwait(false);
                }

                break;

            case ClusterHeaders.EventAlive:
                if (_flights.TryGetValue(key, out Flight? alive) && RunBy(key, agent, OptionalHeader(message, ClusterHeaders.Ack)))
                {
                    alive.Heard();
                }

                break;

            case ClusterHeaders.EventResult:
                // Confirmed whether it is used or not: the agent sends it again until it is.
                await ConfirmAsync(message).ConfigureAwait(false);
                string? resultValue = OptionalHeader(message, ClusterHeaders.Value);
                if (TakeFlight(key, agent) is { } done)
                {
                    int pid = int.Parse(OptionalHeader(message, ClusterHeaders.Worker) ?? "0", CultureInfo.InvariantCulture);
                    _ = DeliverResultAsync(done, message.Data ?? [], resultValue, pid);
                }
                else
                {
                    Ignored(kind, key);
                    if (resultValue is not null)
                    {
                        _ = DeleteStoredAsync(resultValue);
                    }
                }

                break;

            case ClusterHeaders.EventFailed:
                await ConfirmAsync(message).ConfigureAwait(false);
                if (TakeFlight(key, agent) is { } failed)
                {
                    _ = DeleteValuesAsync(failed, resultName: null);
                    string text = message.Data is null ? string.Empty : Encoding.UTF8.GetString(message.Data);
                    if (OptionalHeader(message, ClusterHeaders.Failure) == ClusterHeaders.FailureCrashed)
                    {
                        failed.Worker.OnCrashed(failed, CrashOnAgent(message, agent, text));
                    }
                    else
                    {
                        failed.Worker.OnFailed(failed, new SpindleException($"Agent '{agent}' could not run the call: {text}"));
                    }
                }
                else
                {
                    Ignored(kind, key);
                }

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
            flight.Worker.OnFailed(flight, e as SpindleException ?? new SpindleException($"The call's result could not be read from the cluster at '{_options.Server}': {e.Message}", e));
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
    private Flight? TakeFlight(string key, string agent) =>
        _flights.TryGetValue(key, out Flight? flight) && RunBy(key, agent, ackSubject: null) && _flights.TryRemove(new KeyValuePair<string, Flight>(key, flight))
            ? flight
            : null;

    /// <summary>
    /// Whether <paramref name="agent"/> runs the call in flight under <paramref name="key"/>. An agent heard from about
    /// a wanted call nobody runs yet becomes its runner: its "started" notice was sent without waiting for an answer,
    /// and one lost (a connection cut at that moment) must not leave the call's result unclaimed.
    /// </summary>
    private bool RunBy(string key, string agent, string? ackSubject) =>
        _flights.TryGetValue(key, out Flight? flight)
        && (flight.Agent == agent
            || (flight.Agent is null && !flight.Call.CancellationToken.IsCancellationRequested && flight.TryClaim(agent, ackSubject)));

    private static WorkerExit CrashOnAgent(NatsMsg<byte[]> message, string agent, string stderrTail)
    {
        static int? Number(string? text) => text is null ? null : int.Parse(text, CultureInfo.InvariantCulture);
        return new WorkerExit(
            Number(OptionalHeader(message, ClusterHeaders.Worker)) ?? 0,
            Number(OptionalHeader(message, ClusterHeaders.ExitCode)),
            Number(OptionalHeader(message, ClusterHeaders.Signal)),
            OptionalHeader(message, ClusterHeaders.Cause) ?? "the worker process died",
            stderrTail)
        {
            Agent = agent,
        };
    }

    /// <summary>
    /// A claimed call whose agent has sent nothing for <see cref="ClusterOptions.AgentSilenceTimeout"/> counts as crashed:
    /// the pool retries or fails it. Its delivery is terminated, so JetStream does not redeliver it as well.
    /// </summary>
    private async Task WatchSilenceAsync()
    {
        TimeSpan silence = _options.AgentSilenceTimeout;
        long reconnecting = (long)(ClusterConnection.ReconnectWaitMax * 2).TotalMilliseconds;
        long lastCutOff = long.MinValue / 2;
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

                    string cause = $"nothing was heard from it for {silence.TotalSeconds:0.#} s (ClusterOptions.AgentSilenceTimeout): it was killed, paused or cut off";
                    flight.Worker.OnCrashed(flight, new WorkerExit(0, null, null, cause, string.Empty) { Agent = agent });
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

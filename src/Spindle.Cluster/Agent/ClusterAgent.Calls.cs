using System.Globalization;
using System.Text;
using NATS.Client.Core;
using Spindle.Cluster.Nats;
using Spindle.Pools;

namespace Spindle.Cluster.Agent;

/// <summary>One call on an agent, from its claim to its acknowledgement.</summary>
internal sealed partial class ClusterAgent
{
    private async Task RunCallAsync(CallDelivery message, SemaphoreSlim room)
    {
        Interlocked.Increment(ref _busy);
        var slot = new WorkerSlot(this, room);
        try
        {
            if (OtherVersion(message.Headers) is { } why)
            {
                // On this version's subject, yet not of it: a message no client of either version sent.
                throw new FormatException($"a message on the calls subject of protocol {ClusterHeaders.ProtocolText} says {why}");
            }

            if (OptionalHeader(message, ClusterHeaders.Bundle) is null)
            {
                await RunClaimedAsync(message, slot).ConfigureAwait(false);
            }
            else
            {
                await RunBundleAsync(message, slot).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is NatsException or FormatException or KeyNotFoundException or InvalidDataException)
        {
            // A message that is not a call (or an answer that could not be sent): it must not come back for ever.
            _options.Log.WriteLine($"spindle agent {Name}: dropped a message it could not handle: {e.Message}");
            if (e is not NatsException)
            {
                await TellUnreadableAsync(message, e.Message).ConfigureAwait(false);
            }

            await TryAsync(() => message.TerminateAsync()).ConfigureAwait(false);
        }
        finally
        {
            slot.Free();
        }
    }

    /// <summary>
    /// A lone call's message this agent cannot read (a header missing or contradicting its subject), dropped: when it
    /// names its caller and call, the caller is told, once, so the call fails at once naming this agent and why, instead
    /// of waiting for its timeout (or for ever with none). Nothing is told for a message that names no caller.
    /// </summary>
    private async Task TellUnreadableAsync(CallDelivery message, string why)
    {
        if (OptionalHeader(message, ClusterHeaders.Bundle) is not null
            || OptionalHeader(message, ClusterHeaders.Client) is not { Length: > 0 } client
            || !long.TryParse(OptionalHeader(message, ClusterHeaders.Call), NumberStyles.None, CultureInfo.InvariantCulture, out long callId)
            || !int.TryParse(OptionalHeader(message, ClusterHeaders.Attempt), NumberStyles.None, CultureInfo.InvariantCulture, out int attempt))
        {
            return;
        }

        if (client.AsSpan().IndexOfAny(".*> \t\r\n") >= 0)
        {
            // Not a client id (one subject token): nobody to tell.
            return;
        }

        (NatsHeaders answer, byte[] body) = AnswerMessage(callId, attempt, new CallAnswer(CallOutcome.Error, Encoding.UTF8.GetBytes($"its message could not be read ({why})")));
        string inbox = _names.Client(client);
        await TryAsync(async () => await _nats.RequestAsync<byte[], byte[]>(inbox, body, answer, replyOpts: new NatsSubOpts { Timeout = _options.ClaimTimeout }).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>
    /// One of the agent's workers, taken for a call: given back as soon as the local worker has answered (or the call
    /// will not run), before the answer travels, so the next call is fetched while this one's answer is confirmed.
    /// </summary>
    private sealed class WorkerSlot(ClusterAgent agent, SemaphoreSlim room)
    {
        private int _freed;

        public void Free()
        {
            if (Interlocked.Exchange(ref _freed, 1) == 0)
            {
                Interlocked.Decrement(ref agent._busy);
                room.Release();
            }
        }
    }

    private async Task RunClaimedAsync(CallDelivery message, WorkerSlot slot)
    {
        string client = Header(message, ClusterHeaders.Client);
        long callId = long.Parse(Header(message, ClusterHeaders.Call), CultureInfo.InvariantCulture);
        int attempt = int.Parse(Header(message, ClusterHeaders.Attempt), CultureInfo.InvariantCulture);
        string build = Header(message, ClusterHeaders.Build);
        string? serializer = OptionalHeader(message, ClusterHeaders.Serializer);
        var aliveEvery = TimeSpan.FromMilliseconds(long.Parse(Header(message, ClusterHeaders.AliveEvery), CultureInfo.InvariantCulture));
        string? argumentValue = OptionalHeader(message, ClusterHeaders.Value);
        string key = ClusterHeaders.CallKey(client, callId, attempt);
        string inbox = _names.Client(client);

        // A first delivery runs at once: the caller is told it started, and stops it if it no longer wants it (it
        // was cancelled or timed out meanwhile). A redelivery may be a second copy of a call another agent runs, or
        // one whose agent went silent: it runs only if the caller says so (a claim).
        // Only for a caller heard from lately, though: a call of a client that died must not run on its first
        // delivery, so the first call from a client this agent has not heard from for a ClaimTimeout is claimed.
        bool firstDelivery = message.NumDelivered <= 1 && HeardLately(client);
        Claim claim = firstDelivery ? Claim.Run : await ClaimAsync(message, inbox, callId, attempt).ConfigureAwait(false);
        if (!firstDelivery && claim != Claim.Unanswered)
        {
            Heard(client);
            _unanswered.TryRemove(key, out _);
        }

        switch (claim)
        {
            case Claim.Refused:
                // Cancelled, timed out, or taken by another delivery: it leaves the stream without running.
                await message.TerminateAsync().ConfigureAwait(false);
                return;
            case Claim.Unanswered:
                await PutBackUnansweredAsync(message, key, $"call {callId} of {inbox}").ConfigureAwait(false);
                return;
        }

        using var running = new AgentCall(message, inbox, callId, attempt, (long)aliveEvery.TotalMilliseconds);
        switch (Register(key, running))
        {
            case CopyHere.HandedOver:
                // Kept in progress, answered for and acked by the direct copy that runs.
                return;
            case CopyHere.NotRun:
                // The copy that runs here acks its own message: this one leaves the stream unrun.
                await message.TerminateAsync().ConfigureAwait(false);
                return;
            case CopyHere.Later:
                await message.NakAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                return;
        }

        CallAnswer outcome;
        try
        {
            if (firstDelivery)
            {
                // After it is in _running: a stop the caller sends in answer finds it.
                NatsHeaders started = Answer(ClusterHeaders.EventStarted, callId, attempt);
                started[ClusterHeaders.Ack] = message.AckSubject;
                await TryAsync(() => _nats.PublishAsync(inbox, Array.Empty<byte>(), started)).ConfigureAwait(false);
            }

            outcome = await RunHereAsync(running, build, serializer, key, message.Data, argumentValue).ConfigureAwait(false);
        }
        finally
        {
            // Out of _running, the keep-alive loop sends nothing more for it (nothing to wait for here: a call's own
            // keep-alive task, cancelled, cost a thread-pool hop on every call's path).
            _running.TryRemove(new KeyValuePair<string, AgentCall>(key, running));
            slot.Free();
        }

        (NatsHeaders answer, byte[] body) = AnswerMessage(callId, attempt, outcome);

        // The answer first, then the ack: if this agent dies in between, the call is redelivered, and the caller,
        // which has its answer, drops the second claim. An answer that cannot be sent leaves the call unacked, for
        // JetStream to redeliver once AckWait has passed.
        if (await SendAnswerAsync(inbox, body, answer).ConfigureAwait(false))
        {
            Heard(client);
            await message.AckAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a claimed call in the local pool of its build: its answer, whatever happens (a result, a crash, an error),
    /// except a stop by the caller, which the caller does not wait to hear of.
    /// </summary>
    private async Task<CallAnswer> RunHereAsync(AgentCall running, string build, string? serializer, string key, ReadOnlyMemory<byte>? frame, string? argumentValue)
    {
        CancellationTokenSource cancellation = running.Cancellation;
        try
        {
            WorkerPool pool = await PoolForAsync(build, serializer, cancellation.Token).ConfigureAwait(false);
            ReadOnlyMemory<byte> call = argumentValue is null ? frame ?? ReadOnlyMemory<byte>.Empty : await LargeValues.GetAsync(_values, argumentValue, cancellation.Token).ConfigureAwait(false);
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            RelayedResult result = await running.Start(pool, call.Span, cancellation.Token).ConfigureAwait(false);

            // The worker's own run time when the local pool measured it: a call queued behind others on this agent (in a
            // bundle) did not run for the time it waited.
            long ran = running.RanTicks is > 0 and var measured ? measured : System.Diagnostics.Stopwatch.GetTimestamp() - started;
            Volatile.Write(ref _lastRunTicks, ran);
            long runMicros = (long)Math.Min(ran * (1e6 / System.Diagnostics.Stopwatch.Frequency), long.MaxValue / 2);
            if (LargeValues.TooLargeForMessage(result.Payload.Length, _nats.ServerInfo?.MaxPayload))
            {
                // Above the server's max_payload: the caller fetches it (checking its MaxMessageBytes), then deletes it.
                string name = LargeValues.ResultName(key);
                await LargeValues.PutAsync(_values, name, result.Payload, cancellation.Token).ConfigureAwait(false);
                return new CallAnswer(CallOutcome.Result, []) { WorkerProcessId = result.WorkerProcessId, ValueName = name, RunMicros = runMicros };
            }

            return new CallAnswer(CallOutcome.Result, result.Payload) { WorkerProcessId = result.WorkerProcessId, RunMicros = runMicros };
        }
        catch (WorkerCrashedException crash)
        {
            // The caller's pool decides: a retry elsewhere, or a WorkerCrashedException naming this agent.
            return new CallAnswer(CallOutcome.Crashed, Encoding.UTF8.GetBytes(crash.Exit.StandardErrorTail))
            {
                WorkerProcessId = crash.Exit.ProcessId,
                ExitCode = crash.Exit.ExitCode,
                Signal = crash.Exit.Signal,
                Cause = crash.Exit.Cause,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            // The build could not be fetched, a worker could not start from it, the local pool faulted: the call fails, naming why.
            if (e is PoolFaultedException)
            {
                ForgetPool(build, serializer);
            }

            return new CallAnswer(CallOutcome.Error, Encoding.UTF8.GetBytes(e.Message));
        }
        catch (OperationCanceledException)
        {
            // Stopped by its caller, who has ended the call already: there is nothing to tell it.
            return new CallAnswer(CallOutcome.Error, Encoding.UTF8.GetBytes("the call was stopped by its caller"));
        }
    }

    /// <summary>A lone call's answer as a message (Nats/AnswerMessages.cs).</summary>
    private (NatsHeaders Headers, byte[] Body) AnswerMessage(long callId, int attempt, CallAnswer outcome) => AnswerMessages.For(Name, callId, attempt, outcome);

    /// <summary>
    /// Sends a call's answer and waits for the caller to confirm it, trying again for up to AckWait: a message sent
    /// as the connection breaks may be lost without an error, so only a confirmation counts.
    /// </summary>
    private async Task<bool> SendAnswerAsync(string inbox, byte[] body, NatsHeaders answer)
    {
        long giveUpAt = Environment.TickCount64 + (long)_options.AckWait.TotalMilliseconds;
        while (true)
        {
            try
            {
                await _nats.RequestAsync<byte[], byte[]>(inbox, body, answer, replyOpts: new NatsSubOpts { Timeout = _options.ClaimTimeout }).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when ((e is NatsException or TimeoutException) && Environment.TickCount64 < giveUpAt)
            {
                _options.Log.WriteLine($"spindle agent {Name}: could not answer {inbox} yet ({e.Message}); trying again.");
                await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NatsException or TimeoutException)
            {
                _options.Log.WriteLine($"spindle agent {Name}: gave up answering {inbox}: {e.Message}");
                return false;
            }
        }
    }

    /// <summary>
    /// While calls run: a sign of life to each one's caller every AliveEvery it asked for, and in-progress acks so
    /// JetStream does not redeliver them. One loop for the agent, over the calls in <see cref="_running"/>.
    /// </summary>
    private async Task KeepAliveAsync(CancellationToken closed)
    {
        long progressEvery = (long)(_options.AckWait.TotalMilliseconds / 3);
        using var timer = new PeriodicTimer(KeepAliveTick);
        try
        {
            while (await timer.WaitForNextTickAsync(closed).ConfigureAwait(false))
            {
                long now = Environment.TickCount64;
                foreach (AgentCall call in _running.Values)
                {
                    CallDelivery? delivery = call.Message;
                    if (call.AliveDue(now))
                    {
                        // With its delivery's ack subject, if it has one: a caller that first hears of the call here
                        // (its "started" was lost, or a direct copy took the stream's copy over) can end that delivery
                        // should this agent go silent.
                        NatsHeaders alive = Answer(ClusterHeaders.EventAlive, call.CallId, call.Attempt);
                        if (delivery is not null)
                        {
                            alive[ClusterHeaders.Ack] = delivery.AckSubject;
                        }

                        await TryAsync(() => _nats.PublishAsync(call.Inbox, Array.Empty<byte>(), alive, cancellationToken: closed)).ConfigureAwait(false);
                    }

                    if (delivery is not null && call.ProgressDue(now, progressEvery))
                    {
                        await TryAsync(() => delivery.ProgressAsync(closed)).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private NatsHeaders Answer(string kind, long callId, int attempt) => AnswerMessages.Event(kind, Name, callId, attempt);

    private async Task TryAsync(Func<ValueTask> send)
    {
        try
        {
            await send().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or TimeoutException)
        {
            _options.Log.WriteLine($"spindle agent {Name}: could not send: {e.Message}");
        }
    }

    /// <summary>A call the agent holds (a stream delivery, a direct call): the stop waits for every one in <see cref="_calls"/>.</summary>
    private void Hold(Task running)
    {
        _calls[running] = true;
        _ = running.ContinueWith(t => _calls.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static string Header(CallDelivery message, string name) => Header(message.Headers, name);

    private static string? OptionalHeader(CallDelivery message, string name) => OptionalHeader(message.Headers, name);

    private static string Header(NatsHeaders? headers, string name) =>
        OptionalHeader(headers, name) ?? throw new KeyNotFoundException($"The message has no {name} header.");

    private static string? OptionalHeader(NatsHeaders? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;
}

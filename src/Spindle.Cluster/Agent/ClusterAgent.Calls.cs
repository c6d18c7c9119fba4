using System.Globalization;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.ObjectStore;
using Spindle.Cluster.Nats;
using Spindle.Pools;

namespace Spindle.Cluster.Agent;

/// <summary>One call on an agent, from its claim to its acknowledgement.</summary>
internal sealed partial class ClusterAgent
{
    private async Task RunCallAsync(INatsJSMsg<byte[]> message)
    {
        Interlocked.Increment(ref _busy);
        try
        {
            await RunClaimedAsync(message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or FormatException or KeyNotFoundException or InvalidDataException)
        {
            // A message that is not a call (or an answer that could not be sent): it must not come back for ever.
            _options.Log.WriteLine($"spindle agent {Name}: dropped a message it could not handle: {e.Message}");
            await TryAsync(() => message.AckTerminateAsync()).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _busy);
            _free.Release();
        }
    }

    private async Task RunClaimedAsync(INatsJSMsg<byte[]> message)
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

        switch (await ClaimAsync(message, inbox, callId, attempt).ConfigureAwait(false))
        {
            case Claim.Refused:
                // Cancelled, timed out, or taken by another delivery: it leaves the stream without running.
                await message.AckTerminateAsync().ConfigureAwait(false);
                return;
            case Claim.Unanswered when message.Metadata is { } metadata && (long)metadata.NumDelivered >= _options.MaxDeliver:
                // Nobody has answered for it through every delivery: its caller is gone, and it leaves the stream.
                _options.Log.WriteLine($"spindle agent {Name}: call {callId} of {inbox} dropped after {metadata.NumDelivered} unanswered deliveries.");
                await message.AckTerminateAsync().ConfigureAwait(false);
                return;
            case Claim.Unanswered:
                // The caller may be gone, or only cut off for a moment (a server restart): the call goes back to the
                // stream for a while.
                await message.NakAsync(new AckOpts { NakDelay = _options.ClaimTimeout }).ConfigureAwait(false);
                return;
        }

        using var running = new AgentCall();
        using var done = new CancellationTokenSource();
        CancellationTokenSource cancellation = running.Cancellation;
        _running[key] = running;
        Task alive = KeepAliveAsync(message, inbox, callId, attempt, aliveEvery, done.Token);
        NatsHeaders answer;
        byte[] body;
        try
        {
            WorkerPool pool = await PoolForAsync(build, serializer, cancellation.Token).ConfigureAwait(false);
            byte[]? call = argumentValue is null ? message.Data : await LargeValues.GetAsync(_values, argumentValue, cancellation.Token).ConfigureAwait(false);
            RelayedResult result = await running.Start(pool, call, cancellation.Token).ConfigureAwait(false);
            answer = Answer(ClusterHeaders.EventResult, callId, attempt);
            answer[ClusterHeaders.Worker] = Number(result.WorkerProcessId);
            body = result.Payload;
            if (LargeValues.TooLargeForMessage(body.Length, _nats.ServerInfo?.MaxPayload))
            {
                // Above the server's max_payload: the caller fetches it (checking its MaxMessageBytes), then deletes it.
                string name = LargeValues.ResultName(key);
                await LargeValues.PutAsync(_values, name, body, cancellation.Token).ConfigureAwait(false);
                answer[ClusterHeaders.Value] = name;
                body = [];
            }
        }
        catch (WorkerCrashedException crash)
        {
            // The caller's pool decides: a retry elsewhere, or a WorkerCrashedException naming this agent.
            answer = Answer(ClusterHeaders.EventFailed, callId, attempt);
            answer[ClusterHeaders.Failure] = ClusterHeaders.FailureCrashed;
            answer[ClusterHeaders.Worker] = Number(crash.Exit.ProcessId);
            answer[ClusterHeaders.Cause] = crash.Exit.Cause;
            if (crash.Exit.ExitCode is { } code)
            {
                answer[ClusterHeaders.ExitCode] = Number(code);
            }

            if (crash.Exit.Signal is { } signal)
            {
                answer[ClusterHeaders.Signal] = Number(signal);
            }

            body = Encoding.UTF8.GetBytes(crash.Exit.StandardErrorTail);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            // The build could not be fetched, a worker could not start from it, the local pool faulted: the call fails, naming why.
            answer = Answer(ClusterHeaders.EventFailed, callId, attempt);
            answer[ClusterHeaders.Failure] = ClusterHeaders.FailureError;
            body = Encoding.UTF8.GetBytes(e.Message);
            if (e is PoolFaultedException)
            {
                ForgetPool(build, serializer);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by its caller, who has ended the call already: there is nothing to tell it.
            answer = Answer(ClusterHeaders.EventFailed, callId, attempt);
            answer[ClusterHeaders.Failure] = ClusterHeaders.FailureError;
            body = Encoding.UTF8.GetBytes("the call was stopped by its caller");
        }
        finally
        {
            await done.CancelAsync().ConfigureAwait(false);
            await alive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _running.TryRemove(key, out _);
        }

        // The answer first, then the ack: if this agent dies in between, the call is redelivered, and the caller,
        // which has its answer, drops the second claim. An answer that cannot be sent leaves the call unacked, for
        // JetStream to redeliver once AckWait has passed.
        if (await SendAnswerAsync(inbox, body, answer).ConfigureAwait(false))
        {
            await message.AckAsync().ConfigureAwait(false);
        }
    }

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

    /// <summary>Asks the caller whether to run the call: only the first delivery of a call still wanted gets "run".</summary>
    private async Task<Claim> ClaimAsync(INatsJSMsg<byte[]> message, string inbox, long callId, int attempt)
    {
        NatsHeaders claim = Answer(ClusterHeaders.EventClaim, callId, attempt);
        if (message.ReplyTo is { } ack)
        {
            claim[ClusterHeaders.Ack] = ack;
        }

        // The caller may have said "run" into a connection that broke (a server restart): it counts this delivery as
        // claimed and waits for its signs of life. So while the connection breaks under a claim, the claim is asked
        // again (the caller answers the same delivery the same way), for up to AckWait / 2; only an unanswered claim on
        // a connection that held puts the call back.
        long giveUpAt = Environment.TickCount64 + (long)(_options.AckWait.TotalMilliseconds / 2);
        while (true)
        {
            long disconnects = Interlocked.Read(ref _disconnects);
            try
            {
                NatsMsg<byte[]> reply = await _nats.RequestAsync<byte[], byte[]>(inbox, [], claim,
                    replyOpts: new NatsSubOpts { Timeout = _options.ClaimTimeout }).ConfigureAwait(false);
                return reply.Data is { } data && Encoding.ASCII.GetString(data) == ClusterHeaders.ClaimRun ? Claim.Run : Claim.Refused;
            }
            catch (Exception e) when ((e is NatsNoReplyException or NatsNoRespondersException or TimeoutException or NatsException)
                && (Interlocked.Read(ref _disconnects) != disconnects || _nats.ConnectionState != NatsConnectionState.Open)
                && Environment.TickCount64 < giveUpAt)
            {
                _options.Log.WriteLine($"spindle agent {Name}: claim of call {callId} of {inbox} asked again: the connection broke under it ({e.GetType().Name}).");
                await Task.Delay(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NatsNoReplyException or NatsNoRespondersException or TimeoutException)
            {
                _options.Log.WriteLine($"spindle agent {Name}: call {callId} of {inbox} put back: its caller did not answer ({e.GetType().Name}).");
                return Claim.Unanswered;
            }
        }
    }

    private enum Claim
    {
        Run,
        Refused,
        Unanswered,
    }

    /// <summary>While the call runs: a sign of life to the caller, and in-progress acks so JetStream does not redeliver it.</summary>
    private async Task KeepAliveAsync(INatsJSMsg<byte[]> message, string inbox, long callId, int attempt, TimeSpan every, CancellationToken done)
    {
        long progressEvery = (long)(_options.AckWait.TotalMilliseconds / 3);
        long lastProgress = Environment.TickCount64;
        try
        {
            while (true)
            {
                await Task.Delay(every, done).ConfigureAwait(false);
                await TryAsync(() => _nats.PublishAsync(inbox, Array.Empty<byte>(), Answer(ClusterHeaders.EventAlive, callId, attempt), cancellationToken: done)).ConfigureAwait(false);
                if (Environment.TickCount64 - lastProgress >= progressEvery)
                {
                    await TryAsync(() => message.AckProgressAsync(cancellationToken: done)).ConfigureAwait(false);
                    lastProgress = Environment.TickCount64;
                }
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
            // The call is over.
        }
    }

    /// <summary>The local process pool for a build and serializer: created, with the build fetched, on first use.</summary>
    private async Task<WorkerPool> PoolForAsync(string build, string? serializer, CancellationToken cancellationToken)
    {
        string directory = await _builds.GetAsync(build, cancellationToken).ConfigureAwait(false);
        Processes.WorkerApp app = BuildCache.Open(directory, serializer);
        Lazy<WorkerPool> pool = _pools.GetOrAdd(PoolKey(build, serializer), _ => new Lazy<WorkerPool>(() => new WorkerPool(new WorkerPoolOptions
        {
            Name = $"agent {Name} build {build[..12]}",
            Isolation = Isolation.Process,
            Workers = _options.Workers,
            CancellationGracePeriod = _options.CancellationGracePeriod,
            MaxMessageBytes = _options.MaxMessageBytes,

            // Results are relayed to another machine as bytes: they must come back on the channel, not in this machine's shared memory.
            SharedMemoryThreshold = null,
            Backend = context => new Processes.ProcessBackend(context, app),
        })));
        return pool.Value;
    }

    private void ForgetPool(string build, string? serializer)
    {
        if (_pools.TryRemove(PoolKey(build, serializer), out Lazy<WorkerPool>? faulted) && faulted.IsValueCreated)
        {
            _ = faulted.Value.DisposeAsync().AsTask();
        }
    }

    private static string PoolKey(string build, string? serializer) => $"{build}|{serializer}";

    private NatsHeaders Answer(string kind, long callId, int attempt) => new()
    {
        [ClusterHeaders.Event] = kind,
        [ClusterHeaders.Agent] = Name,
        [ClusterHeaders.Call] = Number(callId),
        [ClusterHeaders.Attempt] = Number(attempt),
    };

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

    private static string Header(INatsJSMsg<byte[]> message, string name) =>
        OptionalHeader(message, name) ?? throw new KeyNotFoundException($"The message has no {name} header.");

    private static string? OptionalHeader(INatsJSMsg<byte[]> message, string name) =>
        message.Headers is { } headers && headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;
}

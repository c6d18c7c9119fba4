using System.Diagnostics;
using System.Globalization;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.ObjectStore;
using Spindle.Cluster.Nats;
using Spindle.Processes;
using Spindle.Wire;

namespace Spindle.Cluster.Lanes;

/// <summary>
/// An agent's worker taking lone calls itself, on NATS: the lane of a worker process (<see cref="WorkerLane"/>). A
/// caller whose last lone call an agent answered offers the next one to that agent's workers for its build (a queue
/// group, <see cref="ClusterNames.Lane"/>), and the worker that gets it runs it and answers in the reply: the path of a
/// raw request-reply, with no hop through the agent process and back.
/// </summary>
/// <remarks>
/// <code>
///  offer (Spindle-Direct, on the lane subject) ─► busy (a call of the agent's runs, another protocol) ─► "busy"
///    ─► the page records the call (where its caller waits) ─► run, on this thread
///         ended within 50 ms ─► the answer is the offer's reply (as the agent's own direct calls)
///         still running at 50 ms ─► "taken"; "alive" to the caller's inbox every AliveEvery; the answer sent to the
///                                    inbox until the caller confirms it
///  a stop (forwarded by the agent, which does not run the call) ─► cancel, or exit now; after the grace period, exit
///  the agent's "close" (it drains) ─► no more offers; the worker ends with its parent's channel, after its call
///  the worker dies ─► the agent reads the page and answers the caller "crashed" (ClusterAgent.Lanes.cs)
/// </code>
/// The agent is the authority for everything else: a call through the stream, a bundle, a call of another build.
/// </remarks>
internal sealed class NatsLane : IDisposable
{
    /// <summary>How long a call may run and still be answered in the offer's reply, as the agent's direct calls.</summary>
    private static readonly TimeSpan AnswerInReplyWithin = TimeSpan.FromMilliseconds(50);

    private const string QueueGroup = "workers";

    private readonly WorkerLaneHost _host;
    private readonly LaneSettings _settings;
    private readonly ClusterNames _names;
    private readonly LanePage _page;
    private readonly NatsConnection _nats;
    private readonly CancellationTokenSource _closing = new();
    private readonly WireWriter _result = new(4096);
    private readonly Timer _slow;
    private readonly Task _serving;
    private LaneCall? _current;
    private INatsObjStore? _values;

    public NatsLane(WorkerLaneHost host, string settingsPath)
    {
        _host = host;
        _settings = LaneSettings.Read(settingsPath);
        if (_settings.Protocol != ClusterHeaders.ProtocolText)
        {
            throw new InvalidOperationException($"its agent speaks cluster protocol {_settings.Protocol}, this build {ClusterHeaders.ProtocolText}");
        }

        _names = new ClusterNames(_settings.Cluster);
        _page = LanePage.Create(_settings.PageDirectory);
        _nats = new NatsConnection(_settings.Credentials.ApplyTo(NatsOpts.Default) with
        {
            Url = _settings.Server,
            Name = $"spindle agent {_settings.Agent} worker {Environment.ProcessId}",
            ConnectTimeout = _settings.ConnectTimeout,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
            ReconnectWaitMax = ClusterConnection.ReconnectWaitMax,
        });
        _slow = new Timer(_ => OnSlow(), null, Timeout.Infinite, Timeout.Infinite);
        _serving = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        try
        {
            await _nats.ConnectAsync().ConfigureAwait(false);
            INatsSub<byte[]> offers = await _nats.SubscribeCoreAsync<byte[]>(_settings.Subject, QueueGroup, cancellationToken: _closing.Token).ConfigureAwait(false);
            await using (offers.ConfigureAwait(false))
            {
                INatsSub<byte[]> orders = await _nats.SubscribeCoreAsync<byte[]>(_settings.Control, cancellationToken: _closing.Token).ConfigureAwait(false);
                await using (orders.ConfigureAwait(false))
                {
                    Task obeying = ObeyAsync(orders, offers);
                    await foreach (NatsMsg<byte[]> offer in offers.Msgs.ReadAllAsync(_closing.Token).ConfigureAwait(false))
                    {
                        await OnOfferAsync(offer).ConfigureAwait(false);
                    }

                    await obeying.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // The worker ends.
        }
        catch (Exception e) when (e is NatsException or TimeoutException)
        {
            // The agent answers this worker's callers from now on, as it does for workers without a lane.
            Console.Error.WriteLine($"Spindle worker {Environment.ProcessId}: its lane closed: {e.Message}");
        }
    }

    private async ValueTask OnOfferAsync(NatsMsg<byte[]> offer)
    {
        if (offer.ReplyTo is not { } replyTo)
        {
            return;
        }

        LaneCall? call = Read(offer);
        if (call is null || !_page.Begin(replyTo, call.Inbox, call.CallId, call.Attempt))
        {
            await ReplyAsync(offer, ClusterHeaders.DirectBusyBody).ConfigureAwait(false);
            return;
        }

        Volatile.Write(ref _current, call);
        _slow.Change(AnswerInReplyWithin, Timeout.InfiniteTimeSpan);
        long started = Stopwatch.GetTimestamp();
        bool ran = _host.TryRun(offer.Data.AsSpan(Frame.HeaderSize), _result, call.Cancellation.Token);
        long ranTicks = Stopwatch.GetTimestamp() - started;
        bool taken;
        lock (call)
        {
            call.Ended = true;
            taken = call.Taken;
        }

        _slow.Change(Timeout.Infinite, Timeout.Infinite);
        try
        {
            if (!ran)
            {
                // A call of the agent's runs here: the caller offers it to the agent, which has other workers.
                await ReplyAsync(offer, ClusterHeaders.DirectBusyBody).ConfigureAwait(false);
                return;
            }

            (NatsHeaders headers, byte[] body) = await AnswerAsync(call, ranTicks).ConfigureAwait(false);
            if (!taken)
            {
                // A raw request-reply's path: one lost with a broken connection is an offer its caller saw no answer to
                // (it sends the call to the stream; the call may run twice, its result reaches the caller once).
                await TrySendAsync(() => offer.ReplyAsync(body, headers)).ConfigureAwait(false);
            }
            else
            {
                // After "taken": the caller, no longer waiting for the offer's reply, waits for this in its inbox.
                await call.TakenSent!.ConfigureAwait(false);
                await SendUntilConfirmedAsync(call.Inbox, body, headers).ConfigureAwait(false);
            }
        }
        finally
        {
            Volatile.Write(ref _current, null);
            _page.Set(LanePage.State.Idle);
            await call.EndAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The call in an offer, or null when this lane does not take it (another protocol, a malformed offer).</summary>
    private LaneCall? Read(NatsMsg<byte[]> offer)
    {
        if (offer.Headers is not { } headers || Header(headers, ClusterHeaders.Protocol) != ClusterHeaders.ProtocolText
            || offer.Data is not { Length: >= Frame.HeaderSize + sizeof(long) } frame || (FrameKind)frame[4] != FrameKind.Call
            || Header(headers, ClusterHeaders.Client) is not { } client
            || !long.TryParse(Header(headers, ClusterHeaders.Call), NumberStyles.Integer, CultureInfo.InvariantCulture, out long callId)
            || !int.TryParse(Header(headers, ClusterHeaders.Attempt), NumberStyles.Integer, CultureInfo.InvariantCulture, out int attempt)
            || !long.TryParse(Header(headers, ClusterHeaders.AliveEvery), NumberStyles.Integer, CultureInfo.InvariantCulture, out long aliveEveryMs))
        {
            return null;
        }

        return new LaneCall(offer, ClusterHeaders.CallKey(client, callId, attempt), _names.Client(client), callId, attempt, TimeSpan.FromMilliseconds(Math.Max(aliveEveryMs, 10)));
    }

    /// <summary>
    /// The offer's reply for a call its caller stopped: the caller has ended the call, but an offer left unanswered
    /// would have it offer this agent nothing for minutes (as the agent answers its own direct calls).
    /// </summary>
    public static (NatsHeaders, byte[]) StoppedAnswer(string agent, long callId, int attempt) =>
        AnswerMessages.For(agent, callId, attempt, new CallAnswer(CallOutcome.Error, Encoding.UTF8.GetBytes("the call was stopped by its caller")));

    /// <summary>The answer of the call just run: its result frame's payload, or a value in the object store if too large for a message.</summary>
    private async Task<(NatsHeaders, byte[])> AnswerAsync(LaneCall call, long ranTicks)
    {
        byte[] payload = _result.WrittenSpan[Frame.HeaderSize..].ToArray();
        long runMicros = (long)(ranTicks * (1e6 / Stopwatch.Frequency));
        var answer = new CallAnswer(CallOutcome.Result, payload) { WorkerProcessId = Environment.ProcessId, RunMicros = runMicros };
        if (LargeValues.TooLargeForMessage(payload.Length, _nats.ServerInfo?.MaxPayload))
        {
            _values ??= await LargeValues.OpenAsync(new NatsJSContext(_nats), _names, _closing.Token).ConfigureAwait(false);
            string name = LargeValues.ResultName(call.Key);
            await LargeValues.PutAsync(_values, name, payload, CancellationToken.None).ConfigureAwait(false);
            answer = answer with { Body = [], ValueName = name };
        }

        return AnswerMessages.For(_settings.Agent, call.CallId, call.Attempt, answer);
    }

    /// <summary>
    /// The call has run past <see cref="AnswerInReplyWithin"/> (a timer thread): its caller is told "taken" and gets
    /// signs of life until the answer, which goes to its inbox.
    /// </summary>
    private void OnSlow()
    {
        if (Volatile.Read(ref _current) is not { } call)
        {
            return;
        }

        lock (call)
        {
            if (call.Ended)
            {
                return;
            }

            call.Taken = true;
        }

        _page.Set(LanePage.State.Taken);
        call.TakenSent = TrySendAsync(() => call.Offer.ReplyAsync(ClusterHeaders.DirectTakenBody));
        call.KeepAlive = Task.Run(() => KeepAliveAsync(call));
    }

    private async Task KeepAliveAsync(LaneCall call)
    {
        using var timer = new PeriodicTimer(call.AliveEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(call.Done.Token).ConfigureAwait(false))
            {
                NatsHeaders alive = AnswerMessages.Event(ClusterHeaders.EventAlive, _settings.Agent, call.CallId, call.Attempt);
                await TrySendAsync(() => _nats.PublishAsync(call.Inbox, Array.Empty<byte>(), alive)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (call.Done.IsCancellationRequested)
        {
            // The call ended: its answer follows.
        }
    }

    /// <summary>The agent's orders: "close" (no more offers), and stops of the calls the agent does not run itself.</summary>
    private async Task ObeyAsync(INatsSub<byte[]> orders, INatsSub<byte[]> offers)
    {
        try
        {
            await foreach (NatsMsg<byte[]> order in orders.Msgs.ReadAllAsync(_closing.Token).ConfigureAwait(false))
            {
                if (order.Headers is not { } headers)
                {
                    continue;
                }

                if (Header(headers, ClusterHeaders.LaneOrder) == ClusterHeaders.LaneClose)
                {
                    // The agent drains: offers go to it from now on (it answers "busy"), this worker ends with its channel.
                    await offers.UnsubscribeAsync().ConfigureAwait(false);
                    continue;
                }

                if (Header(headers, ClusterHeaders.Stop) is { } stop && Volatile.Read(ref _current) is { } call
                    && order.Data is { } key && Encoding.UTF8.GetString(key) == call.Key)
                {
                    Stop(call, kill: stop == ClusterHeaders.StopKill);
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // The worker ends.
        }
    }

    /// <summary>
    /// Stops a call its caller gave up on, as the agent's own pool would: a cancellation reaches the call's token (the
    /// call ends as it ends, and is answered); a kill, or a call still running after the grace period, ends the worker,
    /// its page marked so the agent answers an offer still waiting for its reply. The agent replaces the worker.
    /// </summary>
    private void Stop(LaneCall call, bool kill)
    {
        if (kill)
        {
            EndWorkerFor(call);
        }

        call.Cancel();
        _ = Task.Delay(_settings.CancellationGracePeriod).ContinueWith(_ =>
        {
            if (ReferenceEquals(Volatile.Read(ref _current), call))
            {
                EndWorkerFor(call);
            }
        }, TaskScheduler.Default);
    }

    private void EndWorkerFor(LaneCall call)
    {
        call.Stopped = true;
        _page.MarkStopped();
        Interop.Native.ExitNow(StoppedExitCode);
    }

    /// <summary>The exit code of a worker that ended its lane's call for its caller (a kill, or a cancellation past the grace period).</summary>
    public const int StoppedExitCode = 137;

    /// <summary>Sends an answer until the caller confirms it (a reply), for as long as the agent would.</summary>
    private async Task SendUntilConfirmedAsync(string inbox, byte[] body, NatsHeaders answer)
    {
        long giveUpAt = Environment.TickCount64 + (long)_settings.AnswerFor.TotalMilliseconds;
        while (true)
        {
            try
            {
                await _nats.RequestAsync<byte[], byte[]>(inbox, body, answer, replyOpts: new NatsSubOpts { Timeout = _settings.ClaimTimeout }).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when ((e is NatsException or TimeoutException) && Environment.TickCount64 < giveUpAt)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NatsException or TimeoutException)
            {
                Console.Error.WriteLine($"Spindle worker {Environment.ProcessId}: gave up answering {inbox}: {e.Message}");
                return;
            }
        }
    }

    private static Task ReplyAsync(NatsMsg<byte[]> offer, byte[] body) => TrySendAsync(() => offer.ReplyAsync(body));

    private static async Task TrySendAsync(Func<ValueTask> send)
    {
        try
        {
            await send().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or TimeoutException)
        {
            // Its caller hears nothing, and does what it does when an offer goes unanswered.
        }
    }

    private static string? Header(NatsHeaders headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>Takes no more calls, lets the one running end and be answered, then closes the connection.</summary>
    public void Dispose()
    {
        _closing.Cancel();
        _serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
        _slow.Dispose();
        _ = ConnectionClose.CloseAsync(_nats).GetAwaiter().GetResult();
        _page.Dispose();
        _result.Dispose();
        _closing.Dispose();
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.ObjectStore;
using Spindle.Cluster.Client;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// <c>spindle agent</c>'s engine: pulls calls from the cluster's work-queue stream while it has a free worker, runs
/// each through a local process pool started from the caller's build, and answers the caller.
/// </summary>
/// <remarks>
/// <code>
///  pull loop: wait for a free worker (or, while calls are short, room for one call held ahead) ─► CallFeed.NextAsync
///             (one call, on the agent's one pull subscription) ─► RunCallAsync, and loop
///  RunCallAsync: first delivery of a caller heard from lately: "started" to its inbox (no wait: the caller sends a
///                 stop if it no longer wants the call); else claim (request; "drop" ─► +TERM; no answer ─► NAK: back
///                 to the stream)
///              ─► build from the cache (fetched once) ─► local pool.Relay(frame)
///                   meanwhile: "alive" to the caller, in-progress acks to JetStream (one keep-alive loop for all calls)
///              ─► the worker is free again (the pull loop may fetch the next call)
///              ─► "result" (payload) or "failed" (crashed: exit status; error: why), resent until the caller
///                 confirms it ─► ack
///  a direct call (Spindle-Direct, on the agent's own subject; ClusterAgent.Direct.cs): taken with room at once (a
///                 free worker, or the one held ahead), run as a claimed call with no stream message; "busy" otherwise
///  a worker's lane (ClusterAgent.Lanes.cs, Lanes/NatsLane.cs): each worker takes lone calls of its build itself, on
///                 NATS; the agent gives it its settings, answers for it if it dies running one, passes it the stops
///                 of calls the agent does not run, and closes the lanes when it drains
///  a bundle of calls (Spindle-Bundle; ClusterAgent.Bundles.cs): always claimed, its calls side by side in the local
///                 pool, answered in "results" as they end, acked once all are confirmed
///  control: "cancel"/"kill" for a call it runs ─► its token is cancelled (the local pool kills after the grace period);
///           an order to the agent itself (drain, kill) ─► AgentControl
///  heartbeat: its registry entry, refreshed; stop: no more pulling, the calls it holds finish, the entry is deleted
/// </code>
/// </remarks>
internal sealed partial class ClusterAgent : IAsyncDisposable
{
    /// <summary>What a worker process of an agent finds in its environment: the agent's name.</summary>
    public const string AgentVariable = "SPINDLE_AGENT";

    private readonly AgentOptions _options;
    private readonly NatsConnection _nats;
    private readonly ClusterNames _names;
    private readonly CallFeed _feed;
    private readonly AgentRegistry _registry;
    private readonly BuildCache _builds;
    private readonly INatsSub<byte[]> _control;

    /// <summary>Its name, held against other agents starting under it (Agent/AgentName.cs).</summary>
    private readonly AgentName _nameHold;
    private readonly INatsObjStore _values;
    private readonly AgentControl _orders = new();
    private readonly AgentReadings _readings;
    private readonly SemaphoreSlim _free;

    /// <summary>
    /// Calls whose local run took at most this long count as short: while the last one did, the agent may hold one
    /// call beyond its free workers (<see cref="_ahead"/>), so a worker finishing a tiny call finds the next one
    /// here instead of waiting for a fetch from the server. It waits at most about this long behind the running call.
    /// </summary>
    private static readonly long ShortCallTicks = System.Diagnostics.Stopwatch.Frequency / 1000;

    /// <summary>How often the keep-alive loop looks for calls whose caller or JetStream is due a sign of life.</summary>
    private static readonly TimeSpan KeepAliveTick = TimeSpan.FromMilliseconds(25);

    /// <summary>The one call held ahead of a free worker (see <see cref="ShortCallTicks"/>).</summary>
    private readonly SemaphoreSlim _ahead = new(1, 1);

    /// <summary>How long the last call's local run took (Stopwatch ticks); unknown (long) at first and after a failure.</summary>
    private long _lastRunTicks = long.MaxValue;
    private readonly ConcurrentDictionary<string, AgentCall> _running = new(StringComparer.Ordinal);

    /// <summary>Clients by id, and when they last answered this agent: their first deliveries run without a claim.</summary>
    private readonly ConcurrentDictionary<string, long> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> _calls = new();

    /// <summary>
    /// Claims of a call (by its key) this agent asked and nobody answered. The delivery count JetStream reports is not
    /// enough on its own: with MaxDeliver 2, an agent was seen putting a gone caller's call back twice without dropping
    /// it (the count it read stayed below 2), after which the server, having delivered it twice, delivered it no more
    /// and it stayed in the stream.
    /// </summary>
    private readonly ConcurrentDictionary<string, int> _unanswered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<WorkerPool>> _pools = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closed = new();
    private int _busy;
    private long _disconnects;

    private ClusterAgent(AgentOptions options, NatsConnection nats, CallFeed feed, AgentRegistry registry, BuildCache builds, INatsSub<byte[]> control, INatsObjStore values, AgentName name)
    {
        _nameHold = name;
        _readings = new AgentReadings(() => _pools.Values.Where(p => p.IsValueCreated).Select(p => p.Value));
        _values = values;
        _options = options;
        _nats = nats;
        _names = new ClusterNames(options.ClusterName);
        _feed = feed;
        _registry = registry;
        _builds = builds;
        _control = control;
        _free = new SemaphoreSlim(options.Workers, options.Workers);

        // Those of agents that died before removing theirs go; this agent's own is made.
        RemoveLaneDirectories(ownToo: false);
        LanesDirectory = options.WorkerLanes ? CreateLanesDirectory() : string.Empty;

        // A claim whose answer was lost to a broken connection is asked again (see ClaimAsync).
        _nats.ConnectionDisconnected += (_, _) =>
        {
            Interlocked.Increment(ref _disconnects);
            return ValueTask.CompletedTask;
        };
    }

    public string Name => _options.Name;

    /// <summary>Connects, creates what the cluster needs if it is the first, subscribes to its control subject and registers.</summary>
    public static async Task<ClusterAgent> StartAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        ClusterCredentials credentials = options.CheckedCredentials();
        BuildCache.CheckDirectory(options.CacheDirectory);
        NatsConnection nats = await ClusterConnection.ConnectAsync(options.Server, credentials, $"spindle agent {options.Name}", options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            var names = new ClusterNames(options.ClusterName);
            var js = new NatsJSContext(nats);
            await EnsureCallsAsync(js, names, options, cancellationToken).ConfigureAwait(false);
            AgentRegistry registry = await AgentRegistry.OpenAsync(js, names, options.Name, options.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
            var builds = new BuildCache(await BuildUpload.OpenAsync(js, names, cancellationToken).ConfigureAwait(false), options.CacheDirectory);
            INatsObjStore values = await LargeValues.OpenAsync(js, names, cancellationToken).ConfigureAwait(false);
            AgentName name = await AgentName.HoldAsync(nats, names, options.Name, options.Server, options.Log, cancellationToken).ConfigureAwait(false);
            INatsSub<byte[]> control = await nats.SubscribeCoreAsync<byte[]>(names.Agent(options.Name), cancellationToken: cancellationToken).ConfigureAwait(false);
            CallFeed feed = await CallFeed.OpenAsync(nats, names, line => options.Log.WriteLine($"spindle agent {options.Name}: {line}"),
                token => EnsureCallsAsync(js, names, options, token), cancellationToken).ConfigureAwait(false);
            await nats.PingAsync(cancellationToken).ConfigureAwait(false);

            // Worker processes inherit it: a call can tell which agent runs it.
            Environment.SetEnvironmentVariable(AgentVariable, options.Name);
            var agent = new ClusterAgent(options, nats, feed, registry, builds, control, values, name);
            await agent.RegisterAsync(cancellationToken).ConfigureAwait(false);
            return agent;
        }
        catch
        {
            // What failed is what the caller is told; how the connection closed after it is not.
            await ConnectionClose.CloseAsync(nats).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Creates the calls stream and the agents' consumer if they are not there (the first agent or pool of a cluster),
    /// or puts them back (deleted by an operator while the agent runs: the feed asks for this when the server says so).
    /// </summary>
    private static async Task EnsureCallsAsync(NatsJSContext js, ClusterNames names, AgentOptions options, CancellationToken cancellationToken)
    {
        await ClusterConnection.EnsureStreamAsync(js, names, cancellationToken).ConfigureAwait(false);
        try
        {
            await CreateConsumerAsync(js, names, options, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == FilteredConsumerNotUnique)
        {
            throw new SpindleException(
                $"The calls stream {names.Stream} at '{ServerAddress.Redacted(options.Server)}' has a consumer that takes calls of every version (one without a filter: the " +
                $"agents' consumer 'agents' of a Spindle version before protocol versions, or one made by hand), so this agent's consumer " +
                $"{names.Consumer}, for protocol {ClusterHeaders.ProtocolText}, cannot be added beside it ({e.Error.Description}). Stop the agents of that " +
                $"version, then delete it (nats consumer rm {names.Stream} agents), or use another --cluster.", e);
        }
    }

    /// <summary>JetStream's error for a consumer of a work-queue stream whose messages another consumer may take too.</summary>
    private const int FilteredConsumerNotUnique = 10100;

    private static async Task CreateConsumerAsync(NatsJSContext js, ClusterNames names, AgentOptions options, CancellationToken cancellationToken)
    {
        await js.CreateOrUpdateConsumerAsync(names.Stream, new ConsumerConfig(names.Consumer)
        {
            DurableName = names.Consumer,

            // The calls of this agent's protocol version only: those of another wait for an agent of theirs.
            FilterSubject = names.Calls,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = options.AckWait,
            // Unbounded on the server: the agents end a message themselves (+TERM after MaxDeliver unanswered claims,
            // ClusterAgent.Claims.cs; the client after a silent agent). A server-side limit would leave a message whose
            // last delivery was lost (its agent killed holding it, a drain's NAK) stored but never delivered again,
            // and its call, still waiting in the stream as far as its client can see, waiting for ever.
            MaxDeliver = -1,
            Description = $"Spindle cluster '{names.Cluster}': the agents",
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Serves calls until <paramref name="stop"/>; then takes no more, lets the ones it holds finish and leaves the registry.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        Task heartbeat = HeartbeatAsync(_closed.Token);
        Task control = ControlAsync(_closed.Token);
        Task keepAlive = KeepAliveAsync(_closed.Token);
        _options.Log.WriteLine($"spindle agent {Name}: serving cluster '{_names.Cluster}' at {ServerAddress.Redacted(_options.Server)} with {_options.Workers} worker(s) (Spindle {ClusterHeaders.SpindleVersion}, cluster protocol {ClusterHeaders.ProtocolVersion}).");
        using (var stopOrDrain = CancellationTokenSource.CreateLinkedTokenSource(stop, _orders.Draining))
        {
            await PullAsync(stopOrDrain.Token).ConfigureAwait(false);
        }

        // Direct offers are "busy" from now on; every one taken before is in _calls, waited for below. The workers'
        // lanes close too: their offers come to the agent from now on.
        _options.Log.WriteLine($"spindle agent {Name}: stopping; takes no more calls.");
        StopTaking();
        await CloseLanesAsync().ConfigureAwait(false);

        // No more asking: the server drops the waiting pull request, so no call is handed to an agent that stopped reading.
        await _feed.CloseAsync().ConfigureAwait(false);

        _options.Log.WriteLine($"spindle agent {Name}: finishing {_calls.Count} call(s) it holds.");
        await Task.WhenAll(_calls.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await LaneCallsEndedAsync().ConfigureAwait(false);
        await Task.WhenAll(_calls.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _closed.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(heartbeat, control, keepAlive).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        using var bounded = new CancellationTokenSource(_options.ConnectTimeout);
        await _registry.RemoveAsync(bounded.Token).ConfigureAwait(false);
        _options.Log.WriteLine($"spindle agent {Name}: stopped.");
    }

    private async Task PullAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            SemaphoreSlim room;
            try
            {
                room = await RoomAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            CallDelivery call;
            try
            {
                call = await _feed.NextAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                room.Release();
                return;
            }
            catch (Exception e) when (e is NatsException or TimeoutException)
            {
                // The server went away or the consumer is being recreated: try again shortly.
                room.Release();
                _options.Log.WriteLine($"spindle agent {Name}: could not fetch calls: {e.Message}");
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            Hold(RunCallAsync(call, room));
        }
    }

    /// <summary>
    /// Waits until the agent may fetch a call: a free worker, or, while its calls are short, the one call it may hold
    /// ahead (it waits in the local pool and runs on the first worker that frees, a short call's time later). Returns
    /// the semaphore to release once that call's local run is over.
    /// </summary>
    private async Task<SemaphoreSlim> RoomAsync(CancellationToken stop)
    {
        if (_free.Wait(0))
        {
            return _free;
        }

        if (Volatile.Read(ref _lastRunTicks) <= ShortCallTicks && _ahead.Wait(0))
        {
            return _ahead;
        }

        await _free.WaitAsync(stop).ConfigureAwait(false);
        return _free;
    }

    private async Task HeartbeatAsync(CancellationToken closed)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(closed).ConfigureAwait(false))
            {
                ForgetQuietClients();
                try
                {
                    await RegisterAsync(closed).ConfigureAwait(false);
                }
                catch (Exception e) when (e is NatsException or TimeoutException)
                {
                    _options.Log.WriteLine($"spindle agent {Name}: could not refresh its registry entry: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Puts its entry in the registry: busy workers are the calls it holds, at most its workers (a bundle's calls queue on them).</summary>
    private Task RegisterAsync(CancellationToken cancellationToken) =>
        _registry.PutAsync(_readings.Entry(Name, _options.Workers, Math.Min(Volatile.Read(ref _busy), _options.Workers)), cancellationToken);

    /// <summary>
    /// Stops from callers: "cancel" cancels the call's token (its local pool stops the worker after the grace period);
    /// "kill" (a timeout, or a caller done waiting) also kills the worker running it now.
    /// </summary>
    private async Task ControlAsync(CancellationToken closed)
    {
        try
        {
            await foreach (NatsMsg<byte[]> message in _control.Msgs.ReadAllAsync(closed).ConfigureAwait(false))
            {
                if (IsDirectCall(message))
                {
                    // A call offered to this agent alone (ClusterAgent.Direct.cs): "taken" or "busy", answered at once.
                    await OfferedAsync(message).ConfigureAwait(false);
                    continue;
                }

                if (AgentControl.IsCommand(message))
                {
                    // Drain or kill, from a dashboard or an operator (AgentControl.cs).
                    await _orders.ObeyAsync(message, _nats, _registry, Name, _options.Log, _options.ConnectTimeout).ConfigureAwait(false);
                    continue;
                }

                string key = message.Data is null ? string.Empty : Encoding.UTF8.GetString(message.Data);
                if (_running.TryGetValue(key, out AgentCall? call))
                {
                    bool kill = message.Headers is { } headers && headers.TryGetValue(ClusterHeaders.Stop, out var stop) && stop == ClusterHeaders.StopKill;
                    _options.Log.WriteLine($"spindle agent {Name}: call {key} stopped by its caller{(kill ? " (its worker killed)" : string.Empty)}.");
                    await call.StopAsync(kill).ConfigureAwait(false);
                }
                else if (message.Headers is { } stopHeaders && stopHeaders.ContainsKey(ClusterHeaders.Stop))
                {
                    // Not a call of the agent's: one of its workers may run it, taken on its lane.
                    await ForwardStopToLanesAsync(message, key).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync().ConfigureAwait(false);
        foreach (Lazy<WorkerPool> pool in _pools.Values)
        {
            if (pool.IsValueCreated)
            {
                await pool.Value.DisposeAsync().ConfigureAwait(false);
            }
        }

        // An unsubscribe or the close can time out on a write the server has not read (ConnectionClose.cs): the agent's
        // end goes on, and says so.
        string? unclean = await ConnectionClose.EndAsync(_control).ConfigureAwait(false);
        await _nameHold.DisposeAsync().ConfigureAwait(false);
        await _feed.DisposeAsync().ConfigureAwait(false);
        unclean = await ConnectionClose.CloseAsync(_nats).ConfigureAwait(false) ?? unclean;
        if (unclean is not null)
        {
            _options.Log.WriteLine($"spindle agent {Name}: its connection closed uncleanly: {unclean}");
        }

        RemoveLaneDirectories(ownToo: true);
        _closed.Dispose();
        _orders.Dispose();
        _free.Dispose();
        _ahead.Dispose();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}

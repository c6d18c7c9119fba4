using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.ObjectStore;
using Spindle.Cluster.Nats;
using Spindle.Pools;

namespace Spindle.Cluster.Client;

/// <summary>
/// A cluster pool's connection: publishes calls to the work-queue stream, answers agents' claims, reads their signs
/// of life and results from this client's inbox, and watches for agents gone silent. Every call attempt in flight is a
/// <see cref="Flight"/>; whatever ends it first (a result, a failure, silence, a stop) takes it out of
/// <see cref="_flights"/>, so everything after that for the same attempt is ignored. Publishing is in
/// ClusterClient.Publishing.cs (bundles in ClusterClient.Bundling.cs), what agents send in ClusterClient.Answers.cs.
/// </summary>
/// <remarks>
/// <code>
///  ClusterWorker.Dispatch ─► Publish: alone, or, for tiny calls that would wait anyway, in a bundle with others
///                           (ClusterClient.Bundling.cs); await the build upload, publish (Nats-Msg-Id =
///                           client.call.attempt) without waiting for the server's ack; one still unheard of after
///                           ConfirmAfter is published again with the wait (the same id: stored once), see ConfirmStoredAsync
///  inbox ◄─ started          ─► a first delivery running at once: the flight's agent; a stop if the call is no longer wanted
///        ◄─ claim (request)  ─► a redelivery: "run" to the first agent while the call is wanted, "drop" otherwise
///        ◄─ alive            ─► the flight's agent was heard from
///        ◄─ result / failed  ─► confirm (request: the agent resends until confirmed) ─► take the flight
///                               ─► ClusterWorker.OnResult / OnCrashed / OnFailed
///        ◄─ a bundle's claim (its keys) ─► run / drop per call; its "results" ─► confirm, then each as a result above
///  lost messages: a waiting call's message that left the stream unrun (dropped while this client was cut off, the
///                 stream deleted) is sent again under a new id (ClusterClient.Resending.cs)
///  silence watch: a claimed flight not heard from for AgentSilenceTimeout ─► take it, +TERM its delivery, OnCrashed
///                 (not while this client is cut off from the server, nor while agents reconnect after it)
/// </code>
/// </remarks>
internal sealed partial class ClusterClient : IAsyncDisposable
{
    private readonly NatsConnection _nats;

    /// <summary>For tests: how long a request to the server waits for its answer.</summary>
    internal TimeSpan RequestTimeout => _nats.Opts.RequestTimeout;
    private readonly NatsJSContext _js;
    private readonly ClusterNames _names;
    private readonly ClusterOptions _options;
    private readonly ILogger _logger;
    private readonly string _clientId;
    private readonly string? _serializerType;
    private readonly int _maxMessageBytes;
    private readonly ConcurrentDictionary<string, Flight> _flights = new(StringComparer.Ordinal);
    private readonly WaitingCalls _waiting = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly INatsSub<byte[]> _inbox;
    private readonly Task _receiving;
    private readonly Task _watching;
    private readonly Task _confirming;
    private readonly Task _resending;
    private readonly Task _versionsChecked;
    private readonly Task<string> _build;
    private Task<INatsObjStore>? _values;
    private long _ignoredAnswers;

    private ClusterClient(NatsConnection nats, INatsSub<byte[]> inbox, ClusterOptions options, WorkerPoolOptions pool, ILogger logger, string clientId, DateTimeOffset streamCreated)
    {
        _nats = nats;
        _js = new NatsJSContext(nats);
        _names = new ClusterNames(options.ClusterName);
        _options = options;
        _logger = logger;
        _clientId = clientId;
        _inbox = inbox;
        _serializerType = pool.Serializer?.GetType().AssemblyQualifiedName;
        _maxMessageBytes = pool.MaxMessageBytes;
        _build = BuildUpload.UploadAsync(_js, _names, options.BuildDirectory, logger, _stopping.Token);
        _receiving = Task.Run(ReceiveAsync);
        _watching = Task.Run(WatchSilenceAsync);
        _confirming = Task.Run(ConfirmStoredAsync);
        _nats.ConnectionOpened += OnConnectionOpenedAsync;
        _resending = Task.Run(() => ResendLostAsync(streamCreated));
        _versionsChecked = Task.Run(WarnOfOtherVersionsAsync);
    }

    /// <summary>Answers that found no call in flight (late, repeated, or for a call already ended): dropped, counted for tests.</summary>
    public long IgnoredAnswers => Interlocked.Read(ref _ignoredAnswers);

    /// <summary>
    /// Orders an agent of the cluster to drain or die (Agent/AgentControl.cs); false when no agent of that name listens.
    /// Not sent while the connection is down: NATS.Net would hold it and send it on reconnecting, when whoever gave it
    /// may have given up on it.
    /// </summary>
    public Task<bool> OrderAgentAsync(string agent, string command, CancellationToken cancellationToken) =>
        BoundedAsync($"the {command} order to agent '{agent}'", token => Agent.AgentControl.SendAsync(_nats, _names, agent, command, token), cancellationToken);

    /// <summary>The agents registered now (<see cref="ListAgentsAsync"/>), failing at once while cut off from the server and after RequestTimeout without its answer.</summary>
    public Task<IReadOnlyList<ClusterAgentInfo>> ReadAgentsAsync(CancellationToken cancellationToken) =>
        BoundedAsync("the agent registry", ListAgentsAsync, cancellationToken);

    /// <summary>
    /// A request of the app's (not of the pool's own loops, which wait for the server to come back): NATS.Net would
    /// hold it while the connection is down, with no bound, so it fails at once then, and after RequestTimeout without
    /// an answer, naming the server.
    /// </summary>
    private async Task<T> BoundedAsync<T>(string what, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        if (_nats.ConnectionState != NatsConnectionState.Open)
        {
            throw new SpindleException($"Could not ask for {what}: not connected to the NATS server at '{ServerAddress.Redacted(_options.Server)}' (ClusterOptions.Server) now " +
                $"({_nats.ConnectionState}). The pool reconnects by itself; try again once it has.");
        }

        TimeSpan limit = _nats.Opts.RequestTimeout;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(limit);
        try
        {
            return await request(bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when ((e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            || e is NATS.Client.JetStream.NatsJSApiNoResponseException or NatsNoReplyException or NatsTimeoutException or TimeoutException)
        {
            // Ours (the bound above) or NATS.Net's own (its request timeout, the same length, may end first): a
            // connection that broke just before the request still looks open until NATS.Net notices.
            throw new SpindleException($"The NATS server at '{ServerAddress.Redacted(_options.Server)}' (ClusterOptions.Server) did not answer {what} within {limit.TotalSeconds:0.#} s: " +
                "it is unreachable or busy.", e);
        }
    }

    /// <summary>The pool's JetStream and its cluster's name, for an app that keeps its own state next to the cluster's (spindle serve's jobs).</summary>
    public (INatsJSContext JetStream, string ClusterName) Storage => (_js, _names.Cluster);

    /// <summary>
    /// Connects, creates the stream if needed and listens on this client's inbox: all before the pool exists, so a bad
    /// server or bad credentials fail <c>new WorkerPool(options)</c>, naming the server and the option.
    /// </summary>
    public static ClusterClient Connect(ClusterOptions options, WorkerPoolOptions pool, ILogger logger) =>
        Task.Run(() => ConnectAsync(options, pool, logger)).GetAwaiter().GetResult();

    private static async Task<ClusterClient> ConnectAsync(ClusterOptions options, WorkerPoolOptions pool, ILogger logger)
    {
        ClusterCredentials credentials = options.Credentials();
        string clientId = Guid.NewGuid().ToString("N");
        NatsConnection nats = await ClusterConnection.ConnectAsync(options.Server!, credentials, $"spindle pool {pool.Name} {clientId}", options.ConnectTimeout, CancellationToken.None).ConfigureAwait(false);
        try
        {
            var names = new ClusterNames(options.ClusterName);
            using var bounded = new CancellationTokenSource(options.ConnectTimeout);
            DateTimeOffset streamCreated = await ClusterConnection.EnsureStreamAsync(new NatsJSContext(nats), names, bounded.Token).ConfigureAwait(false);
            await ClusterConnection.CheckMayPublishCallsAsync(nats, names, options.Server!, credentials, options.ConnectTimeout, bounded.Token).ConfigureAwait(false);
            INatsSub<byte[]> inbox = await nats.SubscribeCoreAsync<byte[]>(names.Client(clientId), cancellationToken: bounded.Token).ConfigureAwait(false);

            // The server has the subscription once it answers a ping sent after it: no claim can arrive unheard.
            await nats.PingAsync(bounded.Token).ConfigureAwait(false);
            return new ClusterClient(nats, inbox, options, pool, logger, clientId, streamCreated);
        }
        catch
        {
            // What failed is what the caller is told; how the connection closed after it is not.
            await ConnectionClose.CloseAsync(nats).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A new attempt at <paramref name="call"/>, in flight from now.</summary>
    public Flight Track(PendingCall call, ClusterWorker worker)
    {
        int attempt = call.CrashedAttempts;
        var flight = new Flight(call, worker, attempt, ClusterHeaders.CallKey(_clientId, call.Id, attempt), _waiting);
        _flights[flight.Key] = flight;
        return flight;
    }

    /// <summary>The agents registered in this cluster now.</summary>
    public Task<IReadOnlyList<ClusterAgentInfo>> ListAgentsAsync(CancellationToken cancellationToken) =>
        Agent.AgentRegistry.ListAsync(_js, _names, cancellationToken);

    /// <summary>
    /// Stops tracking a flight whose call has ended here; a later answer for it is ignored. An <paramref name="unwanted"/>
    /// call (cancelled, timed out) that no agent has started yet is also deleted from the stream.
    /// </summary>
    public void Forget(Flight flight, bool unwanted)
    {
        flight.StopWaiting();
        if (_flights.TryRemove(new KeyValuePair<string, Flight>(flight.Key, flight)))
        {
            _ = DeleteValuesAsync(flight, resultName: null);
            flight.Unwanted = unwanted;
            // A bundle leaves the stream only once none of its calls is wanted; until then the claim of the agent that
            // takes it drops the unwanted ones (bundles are always claimed).
            if (unwanted && flight.Agent is null && flight.Message is not { IsBundle: true, Withdrawn: false })
            {
                // Still in the stream, as far as this client knows: it leaves it, so no agent starts it. An agent that
                // took it already says it started it, and is told to stop (OnAnswerAsync). Sent unconfirmed, its
                // sequence number is not known yet: it is sent again with the server's ack (the same id, so the
                // server stores it once and tells the number it has), then deleted.
                if (flight.Message is { Sequence: 0 } sent && sent.TakeUnconfirmed(longerThanMs: 0) is { } message)
                {
                    Leaving(StoreAsync(sent, message.Body, message.Headers));
                }
                else
                {
                    Leaving(DeleteFromStreamAsync(flight.Message));
                }
            }
        }
    }

    /// <summary>The cluster's values bucket, opened on the first value too large for one message.</summary>
    private Task<INatsObjStore> Values()
    {
        lock (_flights)
        {
            if (_values is null || _values.IsFaulted || _values.IsCanceled)
            {
                _values = LargeValues.OpenAsync(_js, _names, _stopping.Token);
            }

            return _values;
        }
    }

    /// <summary>Deletes what an ended attempt left in the values bucket, if it used it.</summary>
    private async Task DeleteValuesAsync(Flight flight, string? resultName)
    {
        if (!flight.ArgumentStored && resultName is null)
        {
            return;
        }

        try
        {
            INatsObjStore store = await Values().ConfigureAwait(false);
            if (flight.ArgumentStored)
            {
                await LargeValues.DeleteAsync(store, LargeValues.ArgumentName(flight.Key), _stopping.Token).ConfigureAwait(false);
            }

            if (resultName is not null)
            {
                await LargeValues.DeleteAsync(store, resultName, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException)
        {
            // The bucket's max age removes what could not be deleted now.
            LogSendFailed(_names.ValuesBucket, e.Message);
        }
    }

    /// <summary>Asks the agent running <paramref name="flight"/> to cancel it (cooperatively) or to stop it now.</summary>
    public void SendStop(Flight flight, bool kill)
    {
        if (flight.Agent is not { } agent)
        {
            // Not claimed yet: it is dropped when an agent tries to claim it (it is no longer in flight, or its token says so).
            return;
        }

        // Waited for by the pool's end like a deletion: a terminate stops the calls agents hold, and a stop still on
        // its way when the end cancels what is in flight would be lost, leaving the call to run (one the agent held
        // ahead of its worker would then start).
        var headers = new NatsHeaders { [ClusterHeaders.Stop] = kill ? ClusterHeaders.StopKill : ClusterHeaders.StopCancel };
        Leaving(SendAsync(_names.Agent(agent), Encoding.UTF8.GetBytes(flight.Key), headers));
    }

    private async Task SendAsync(string subject, byte[] body, NatsHeaders? headers)
    {
        try
        {
            await _nats.PublishAsync(subject, body, headers, cancellationToken: _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException)
        {
            LogSendFailed(subject, e.Message);
        }
    }

    /// <summary>
    /// Unwanted calls being taken out of the stream, and stops on their way to the agents holding calls: the pool's end
    /// waits for them (bounded), so none is left for an agent to run.
    /// </summary>
    private readonly ConcurrentDictionary<Task, byte> _leaving = new();

    private void Leaving(Task leaving)
    {
        _leaving[leaving] = 0;
        _ = leaving.ContinueWith(t => _leaving.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>How long the pool's end waits for its unwanted calls to leave the stream and its stops to be sent (a terminated pool's calls).</summary>
    private static readonly TimeSpan LeavingWait = TimeSpan.FromSeconds(5);

    public async ValueTask DisposeAsync()
    {
        // First, while the connection is up: the calls a terminated pool no longer wants leave the stream, or an agent
        // that heard from this client a moment ago would start them after it is gone; and the agents holding its calls
        // are told to stop them.
        await Task.WhenAll(_leaving.Keys).WaitAsync(LeavingWait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_holdTimer is { } holding)
        {
            await holding.DisposeAsync().ConfigureAwait(false);
        }

        // The loops end on _stopping; the connection's close unsubscribes the inbox, and does not throw (ConnectionClose.cs).
        _nats.ConnectionOpened -= OnConnectionOpenedAsync;
        await Task.WhenAll(_receiving, _watching, _confirming, _resending, _versionsChecked).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (await ConnectionClose.CloseAsync(_nats).ConfigureAwait(false) is { } unclean)
        {
            LogClosedUncleanly(unclean);
        }

        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The pool's connection to the NATS server closed uncleanly: {Reason}")]
    private partial void LogClosedUncleanly(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send to {Subject}: {Reason}")]
    private partial void LogSendFailed(string subject, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The server did not store {Key} ({Reason}); trying again")]
    private partial void LogPublishRetry(string key, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a {Event} for {Key}: no such call in flight (late, repeated, or already ended)")]
    private partial void LogIgnored(string @event, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {Agent} was not heard from for {Silence} while running {Key}: counted as a crash")]
    private partial void LogAgentSilent(string agent, TimeSpan silence, string key);
}

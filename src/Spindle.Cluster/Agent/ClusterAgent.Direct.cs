using System.Globalization;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// A call offered to this agent directly (core NATS, on its own subject), not through the stream: a client whose
/// short calls this agent answered a moment ago sends its next lone call here, saving the stream's store, delivery and
/// ack on a tiny call's round trip. Taken only with room at once, as the pull loop would take one (a free worker, or
/// the one call held ahead while calls are short); otherwise "busy", and the client sends it to the stream.
/// </summary>
/// <remarks>
/// A direct call is a claimed call with no stream message: the same run, signs of life, stops, answer resent until
/// confirmed; no acks to send. Taken means the caller counts it as this agent's from then on: its silence watch fails
/// it (or retries it) if this agent dies. An offer taken late (the agent was paused past the caller's wait) may meet
/// the stream's copy of the same call here: the copy that comes second is not run (<see cref="Register"/>); a stream
/// copy is handed to the direct one, which then answers through the inbox and acks it.
/// </remarks>
internal sealed partial class ClusterAgent
{
    /// <summary>False once the agent stops taking calls (a drain, a stop): offers are "busy" from then on.</summary>
    private bool _taking = true;

    /// <summary>Guards <see cref="_taking"/> against a call taken just as the stop starts waiting for the calls it holds.</summary>
    private readonly Lock _takingLock = new();

    /// <summary>No more direct calls; returns once every one taken is in <see cref="_calls"/>, for the stop to wait for.</summary>
    private void StopTaking()
    {
        lock (_takingLock)
        {
            _taking = false;
        }
    }

    /// <summary>Answers a direct offer at once, "taken" or "busy", and runs a taken call off the control loop.</summary>
    private async Task OfferedAsync(NatsMsg<byte[]> offer)
    {
        SemaphoreSlim? room = _free.Wait(0) ? _free
            : Volatile.Read(ref _lastRunTicks) <= ShortCallTicks && _ahead.Wait(0) ? _ahead
            : null;
        Task<Task>? run = null;
        if (room is not null)
        {
            lock (_takingLock)
            {
                if (_taking)
                {
                    // Registered before it starts, under the lock: a stop that begins now waits for it.
                    run = new Task<Task>(() => RunDirectAsync(offer, room));
                    Hold(run.Unwrap());
                }
            }

            if (run is null)
            {
                room.Release();
            }
        }

        if (run is null)
        {
            await TryAsync(() => offer.ReplyAsync(ClusterHeaders.DirectBusyBody)).ConfigureAwait(false);
            return;
        }

        run.RunSynchronously();
    }

    private async Task RunDirectAsync(NatsMsg<byte[]> offer, SemaphoreSlim room)
    {
        Interlocked.Increment(ref _busy);
        var slot = new WorkerSlot(this, room);
        string? key = null;
        AgentCall? running = null;
        try
        {
            NatsHeaders headers = offer.Headers ?? throw new FormatException("A direct call came with no headers.");
            if (OtherVersion(headers) is { } why)
            {
                // Its caller sends it to the stream, where an agent of its version takes it.
                NoteOtherVersion(OptionalHeader(headers, ClusterHeaders.Client), why);
                await TryAsync(() => offer.ReplyAsync(ClusterHeaders.DirectBusyBody)).ConfigureAwait(false);
                return;
            }

            string client = Header(headers, ClusterHeaders.Client);
            long callId = long.Parse(Header(headers, ClusterHeaders.Call), CultureInfo.InvariantCulture);
            int attempt = int.Parse(Header(headers, ClusterHeaders.Attempt), CultureInfo.InvariantCulture);
            string build = Header(headers, ClusterHeaders.Build);
            string? serializer = OptionalHeader(headers, ClusterHeaders.Serializer);
            long aliveEveryMs = long.Parse(Header(headers, ClusterHeaders.AliveEvery), CultureInfo.InvariantCulture);
            key = ClusterHeaders.CallKey(client, callId, attempt);
            string inbox = _names.Client(client);
            Heard(client);

            running = new AgentCall(message: null, inbox, callId, attempt, aliveEveryMs);
            if (Register(key, running) != CopyHere.Runs)
            {
                // A late offer whose stream copy came first and runs here: nobody waits for this reply any more.
                await TryAsync(() => offer.ReplyAsync(ClusterHeaders.DirectBusyBody)).ConfigureAwait(false);
                return;
            }

            // After it is in _running: a stop the caller sends from now on finds it.
            Task<CallAnswer> run = RunHereAsync(running, build, serializer, key, offer.Data, argumentValue: null);
            bool quick = await EndsWithinAsync(run, DirectAnswerWithin).ConfigureAwait(false);
            if (!quick)
            {
                await TryAsync(() => offer.ReplyAsync(ClusterHeaders.DirectTakenBody)).ConfigureAwait(false);
            }

            CallAnswer outcome = await run.ConfigureAwait(false);
            _running.TryRemove(new KeyValuePair<string, AgentCall>(key, running));
            CallDelivery? streamCopy = running.Seal();
            slot.Free();

            (NatsHeaders answer, byte[] body) = AnswerMessage(callId, attempt, outcome);
            if (streamCopy is not null)
            {
                answer[ClusterHeaders.Ack] = streamCopy.AckSubject;
            }

            if (quick && streamCopy is null)
            {
                // The answer is the offer's reply: a raw request-reply's path, with no "taken", no confirmation. One
                // lost with a broken connection is an offer the caller saw no answer to: it sends the call to the
                // stream (the call may run twice; its result reaches the caller once).
                try
                {
                    await offer.ReplyAsync(body, headers: answer).ConfigureAwait(false);
                    Heard(client);
                    return;
                }
                catch (Exception e) when (e is NatsException or TimeoutException)
                {
                    _options.Log.WriteLine($"spindle agent {Name}: could not answer a direct call in its reply ({e.Message}); answering it as any call.");
                }
            }

            // Through the inbox, until confirmed: a longer call's answer, one whose reply could not be sent, and one that
            // answers for the stream's copy of the call too (the caller, which sent that copy, no longer waits for
            // the offer's reply), whose message then leaves the stream.
            if (await SendAnswerAsync(inbox, body, answer).ConfigureAwait(false))
            {
                Heard(client);
                if (streamCopy is not null)
                {
                    await TryAsync(() => streamCopy.AckAsync()).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or OverflowException)
        {
            // Not a call (no caller to tell): the offer is refused, and the caller, if any, sends it to the stream.
            _options.Log.WriteLine($"spindle agent {Name}: refused a direct call it could not read: {e.Message}");
            await TryAsync(() => offer.ReplyAsync(ClusterHeaders.DirectBusyBody)).ConfigureAwait(false);
        }
        finally
        {
            // Whatever happened, the keep-alive loop says nothing more about it, and its room is given back.
            if (key is not null && running is not null)
            {
                _running.TryRemove(new KeyValuePair<string, AgentCall>(key, running));
                running.Dispose();
            }

            slot.Free();
        }
    }

    /// <summary>
    /// How long a taken direct call may run and still be answered in the offer's reply; a longer one is answered
    /// "taken" at this point and its answer sent as any call's (well within the caller's wait for a reply to its offer).
    /// </summary>
    private static readonly TimeSpan DirectAnswerWithin = TimeSpan.FromMilliseconds(50);

    /// <summary>Whether <paramref name="task"/> ends within <paramref name="limit"/>.</summary>
    /// <remarks>
    /// On a direct call's path: when the call ends in time, this returns on the thread that ended it (the worker's
    /// reader, for a lone call), so the reply leaves from there. Stopping a timer with <c>CancelAsync</c> here cost a
    /// thread-pool hop on every direct call.
    /// </remarks>
    private static async Task<bool> EndsWithinAsync(Task task, TimeSpan limit)
    {
        if (!task.IsCompleted)
        {
            // However it ends (or the limit passes), nothing is thrown here: the caller awaits the task and sees how.
            await task.WaitAsync(limit).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return task.IsCompleted;
    }

    /// <summary>Whether a message on the agent's own subject is a direct call (the others are stops and orders).</summary>
    private static bool IsDirectCall(NatsMsg<byte[]> message) =>
        message.Headers is { } headers && headers.ContainsKey(ClusterHeaders.Direct) && message.ReplyTo is not null;
}

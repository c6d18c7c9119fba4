using System.Globalization;
using NATS.Client.Core;
using Spindle.Backends;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Client;

/// <summary>
/// Which calls travel together, in one bundle message (Nats/Bundle.cs), and which alone. A message costs the server,
/// the agent and this client about the same whatever it carries, and a tiny call is mostly messages: 7 of them per
/// call (the call, its delivery, the pull that asked for it, "started", the result, its confirmation, the ack).
/// </summary>
/// <remarks>
/// A call is bundled only when bundling cannot make it later, and cannot leave an agent idle while another holds
/// its work:
/// <list type="bullet">
/// <item>calls are short: those answered lately ran for at most <see cref="ShortCallMicros"/> on their workers, on average;</item>
/// <item>and it would wait in the stream anyway: other calls of this client wait for an agent already.</item>
/// </list>
/// A lone call (the round trip) is sent at once. Calls a batch of answers sets free (the pool hands the
/// next queued call to each worker that finished) are gathered while the answers are handed over and sent as one
/// bundle right after; other calls that may be bundled (and what is left over from a batch) are held for at most
/// <see cref="_holdFor"/>, until enough are held to fill one. A bundle takes at most half of the calls waiting, so
/// no one agent takes all the waiting work, and at most <see cref="Bundle.MaxCalls"/>.
/// </remarks>
internal sealed partial class ClusterClient
{
    /// <summary>A call that ran this long or less on its worker counts as short (the agent holds a call ahead by the same rule).</summary>
    private const long ShortCallMicros = 1000;

    /// <summary>How long a call may be held to fill a bundle: far less than it would wait in the stream behind the others.</summary>
    private TimeSpan _holdFor = TimeSpan.FromMilliseconds(1);

    private readonly Lock _holding = new();
    private List<Flight> _held = [];
    private Timer? _holdTimer;

    /// <summary>The thread handing a batch of answers over (0: none), and the calls it sets free meanwhile.</summary>
    private int _gatheringThread;
    private readonly List<Flight> _gathered = [];

    /// <summary>How long answered calls ran on their workers lately, in microseconds (see <see cref="NoteRunTime"/>); unknown (long.MaxValue) at first.</summary>
    private long _runMicros = long.MaxValue;

    private long _callsBundled;

    /// <summary>How many calls this client has sent in bundles.</summary>
    public long CallsBundled => Interlocked.Read(ref _callsBundled);

    private bool _bundleAlways;

    /// <summary>
    /// For tests: bundles every call small enough, short or not, waiting or not, holding each up to
    /// <paramref name="holdFor"/> for others, so a test knows which of its calls travel together.
    /// </summary>
    internal void BundleAlways(TimeSpan holdFor)
    {
        _holdFor = holdFor;
        Volatile.Write(ref _bundleAlways, true);
    }

    /// <summary>Sends the call to the work-queue stream: alone now, or in a bundle (see the remarks above).</summary>
    public void Publish(Flight flight)
    {
        if (!MayBundle(flight))
        {
            _ = PublishAloneAsync(flight);
        }
        else if (Volatile.Read(ref _gatheringThread) == Environment.CurrentManagedThreadId)
        {
            _gathered.Add(flight);
        }
        else if (Volatile.Read(ref _bundleAlways) || _waiting.Count > 1)
        {
            Hold(flight);
        }
        else if (MayOfferDirect(flight) is { } agent)
        {
            // A lone short call, and an agent that answered one a moment ago: offered to it (ClusterClient.Direct.cs).
            _ = OfferDirectAsync(flight, agent);
        }
        else
        {
            _ = PublishAloneAsync(flight);
        }
    }

    private bool MayBundle(Flight flight) =>
        (Volatile.Read(ref _bundleAlways) || Volatile.Read(ref _runMicros) <= ShortCallMicros)
        && _build.IsCompletedSuccessfully
        && ((IEncodedCall)flight.Call).Frame.Length <= Bundle.MaxFrameBytes;

    /// <summary>
    /// Notes how long a call ran on its worker (from its answer): bundling goes on only while calls are short, on a
    /// moving average (an eighth of each new time), so one slow call among tiny ones (a pause for garbage collection)
    /// does not send the next ones alone. Racing updates may lose one; it is an estimate.
    /// </summary>
    private void NoteRunTime(long runMicros)
    {
        long average = Volatile.Read(ref _runMicros);
        Volatile.Write(ref _runMicros, average == long.MaxValue ? runMicros : average + ((runMicros - average) / 8));
    }

    /// <summary>
    /// While a batch of answers is handed over on this thread: the calls they set free are gathered, and sent when the
    /// returned scope ends (on the same thread, with no wait in between, so nothing gathered is left behind).
    /// </summary>
    private Gathering Gather()
    {
        Volatile.Write(ref _gatheringThread, Environment.CurrentManagedThreadId);
        return new Gathering(this);
    }

    private readonly struct Gathering(ClusterClient client) : IDisposable
    {
        public void Dispose()
        {
            Volatile.Write(ref client._gatheringThread, 0);
            List<Flight> gathered = client._gathered;
            if (gathered.Count == 0)
            {
                return;
            }

            // Full bundles go now; what is left joins the calls held to fill one (so bundles do not shrink for good
            // as the calls of a small one come back together).
            Flight[] calls = [.. gathered];
            gathered.Clear();
            int size = client.BundleSize();
            int full = calls.Length / size * size;
            if (full > 0)
            {
                client.SendBundles(calls.AsSpan(0, full).ToArray());
            }

            client.Hold(calls.AsSpan(full));
        }
    }

    /// <summary>
    /// The most calls a bundle takes now: half of those waiting, so no one bundle takes all the waiting work (1 while
    /// fewer than 4 wait: then calls go alone), and no more than <see cref="Bundle.MaxCalls"/>.
    /// </summary>
    private int BundleSize() => (int)Math.Clamp(_waiting.Count / 2, Volatile.Read(ref _bundleAlways) ? 2 : 1, Bundle.MaxCalls);

    private void Hold(Flight flight) => Hold([flight]);

    private void Hold(ReadOnlySpan<Flight> flights)
    {
        if (flights.IsEmpty)
        {
            return;
        }

        List<Flight>? full = null;
        lock (_holding)
        {
            bool first = _held.Count == 0;
            _held.AddRange(flights);
            if (_held.Count >= BundleSize())
            {
                full = _held;
                _held = [];
            }
            else if (first)
            {
                _holdTimer ??= new Timer(_ => SendHeld());
                _holdTimer.Change(_holdFor, Timeout.InfiniteTimeSpan);
            }
        }

        if (full is not null)
        {
            SendBundles(full);
        }
    }

    private void SendHeld()
    {
        List<Flight> held;
        lock (_holding)
        {
            held = _held;
            _held = [];
        }

        SendBundles(held);
    }

    /// <summary>
    /// Sends calls in bundles of at most <see cref="BundleSize"/> calls and of a size the server accepts in one message;
    /// calls that ended meanwhile are left out, a bundle of one goes alone.
    /// </summary>
    private void SendBundles(IReadOnlyList<Flight> calls)
    {
        List<Flight> wanted = [.. calls.Where(f => _flights.ContainsKey(f.Key))];
        int at = 0;
        foreach (int count in Bundle.Plan([.. wanted.Select(f => ((IEncodedCall)f.Call).Frame.Length)], BundleSize(), _nats.ServerInfo?.MaxPayload))
        {
            List<Flight> flights = wanted.GetRange(at, count);
            at += count;
            _ = count == 1 ? PublishAloneAsync(flights[0]) : PublishBundleAsync(flights);
        }
    }

    private async Task PublishBundleAsync(List<Flight> flights)
    {
        try
        {
            // Encoded, then checked: a call that ended meanwhile may have given its frame's buffer back already, so
            // the bundle is encoded again without it (an entry copied before its call ended is sound, as for a lone
            // call in PublishAloneAsync). A call that ends later is dropped by the agent's claim.
            byte[] body;
            while (true)
            {
                body = Bundle.EncodeCalls(flights.Select(f => new Bundle.CallEntry(f.Call.Id, f.Attempt, ((IEncodedCall)f.Call).Frame)).ToList());
                List<Flight> still = flights.Where(f => _flights.ContainsKey(f.Key)).ToList();
                if (still.Count == flights.Count)
                {
                    break;
                }

                flights = still;
                if (flights.Count < 2)
                {
                    if (flights.Count == 1)
                    {
                        await PublishAloneAsync(flights[0]).ConfigureAwait(false);
                    }

                    return;
                }
            }

            // MayBundle saw the build uploaded.
            NatsHeaders headers = CallHeaders(_build.Result);
            headers[ClusterHeaders.Bundle] = flights.Count.ToString(CultureInfo.InvariantCulture);

            // One id per bundle: its first call's key is in no other message (a call travels in one message), and the
            // count tells it from that call's own message were it ever sent alone.
            headers[ClusterHeaders.MessageId] = $"{flights[0].Key}+{flights.Count.ToString(CultureInfo.InvariantCulture)}";
            var message = new CallMessage(flights, body, headers);
            Interlocked.Add(ref _callsBundled, flights.Count);
            foreach (Flight flight in flights)
            {
                flight.Message = message;
            }

            try
            {
                await _nats.PublishAsync(_names.CallsOf(_protocol), body, headers, cancellationToken: _stopping.Token).ConfigureAwait(false);
            }
            catch (NatsException e)
            {
                // As for a lone call: ConfirmStoredAsync sends it again, waiting for the server's ack this time.
                LogPublishRetry(message.Flights[0].Key, e.Message);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            foreach (Flight flight in flights)
            {
                FailUnsent(flight, e);
            }
        }
    }
}

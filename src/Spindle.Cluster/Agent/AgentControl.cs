using System.Diagnostics;
using System.Text;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// Orders to a whole agent, sent to its control subject (<c>spindle.&lt;cluster&gt;.agent.&lt;name&gt;</c>, where its
/// calls' cancellations also go) as a request with a <see cref="CommandHeader"/>; the agent answers before it obeys.
/// </summary>
/// <remarks>
/// <code>
///  drain: stop fetching, finish the calls it holds, leave the registry, exit 0 (what SIGTERM does)
///  kill:  leave the registry, then SIGKILL itself: its worker processes die with it (parent-death signal), and the
///         calls they ran become crashes their callers see after AgentSilenceTimeout and retry elsewhere
/// </code>
/// </remarks>
internal sealed class AgentControl : IDisposable
{
    /// <summary>The header that makes a control message an order to the agent rather than a call's cancellation.</summary>
    public const string CommandHeader = "Spindle-Agent-Command";

    public const string Drain = "drain";

    public const string Kill = "kill";

    private readonly CancellationTokenSource _draining = new();

    /// <summary>Cancelled when a drain was ordered.</summary>
    public CancellationToken Draining => _draining.Token;

    /// <summary>Whether <paramref name="message"/> is an order to the agent (handled here), not a call's cancellation.</summary>
    public static bool IsCommand(NatsMsg<byte[]> message) => message.Headers?.ContainsKey(CommandHeader) == true;

    /// <summary>Answers and obeys an order; a kill does not return.</summary>
    public async Task ObeyAsync(NatsMsg<byte[]> message, NatsConnection nats, AgentRegistry registry, string agent, TextWriter log, TimeSpan bound)
    {
        string command = message.Headers![CommandHeader].ToString();
        if (command is not (Drain or Kill))
        {
            await message.ReplyAsync(Encoding.UTF8.GetBytes($"unknown command '{command}': send '{Drain}' or '{Kill}'")).ConfigureAwait(false);
            return;
        }

        await message.ReplyAsync(Encoding.UTF8.GetBytes(command)).ConfigureAwait(false);
        if (command == Drain)
        {
            log.WriteLine($"spindle agent {agent}: drain ordered over its control subject.");
            await _draining.CancelAsync().ConfigureAwait(false);
            return;
        }

        log.WriteLine($"spindle agent {agent}: kill ordered over its control subject; stopping now.");
        using var bounded = new CancellationTokenSource(bound);
        try
        {
            // Out of the registry at once, rather than three heartbeats later; the ping makes sure the answer went out.
            await registry.RemoveAsync(bounded.Token).ConfigureAwait(false);
            await nats.PingAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException)
        {
            log.WriteLine($"spindle agent {agent}: could not leave the registry before dying: {e.Message}");
        }

        await log.FlushAsync().ConfigureAwait(false);
        using Process self = Process.GetCurrentProcess();
        self.Kill();
    }

    /// <summary>Sends <paramref name="command"/> to <paramref name="agent"/>; false when no agent of that name listens.</summary>
    public static async Task<bool> SendAsync(NatsConnection nats, ClusterNames names, string agent, string command, CancellationToken cancellationToken)
    {
        ClusterOptions.CheckName(agent, nameof(agent));
        var headers = new NatsHeaders { [CommandHeader] = command };
        try
        {
            NatsMsg<byte[]> answer = await nats.RequestAsync<byte[], byte[]>(names.Agent(agent), [], headers, cancellationToken: cancellationToken).ConfigureAwait(false);
            return !answer.HasNoResponders;
        }
        catch (NatsNoRespondersException)
        {
            return false;
        }
        catch (NatsException e)
        {
            throw new SpindleException($"Agent '{agent}' of cluster '{names.Cluster}' did not answer the {command} order: {e.Message}", e);
        }
    }

    public void Dispose() => _draining.Dispose();
}

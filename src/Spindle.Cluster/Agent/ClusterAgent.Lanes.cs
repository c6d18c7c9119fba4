using System.Text;
using NATS.Client.Core;
using Spindle.Cluster.Lanes;
using Spindle.Cluster.Nats;
using Spindle.Processes;

namespace Spindle.Cluster.Agent;

/// <summary>
/// The lanes of the agent's workers (Lanes/NatsLane.cs): each worker of a local pool takes lone calls of that pool's
/// build itself, on NATS. The agent gives them their settings, answers for a worker that died running a lane call (its
/// page says which call, and where its caller waits), forwards to them the stops of calls it does not run itself, and
/// closes them when it drains, then waits for their calls as it waits for its own.
/// </summary>
internal sealed partial class ClusterAgent
{
    /// <summary>The type a worker loads from its build to open its lane.</summary>
    private const string LaneType = "Spindle.Cluster.Lanes.NatsLane, Spindle.Cluster";

    /// <summary>How often the stop looks again for lane calls still running.</summary>
    private static readonly TimeSpan LaneCallsPoll = TimeSpan.FromMilliseconds(25);

    /// <summary>The start of the name of every agent's lane directory in the temporary directory, before its process id.</summary>
    private const string LanesDirectoryPrefix = "spindle-lanes-";

    /// <summary>
    /// This agent's lane settings and its workers' pages: a directory of its own in the temporary directory (only its
    /// user may enter it; not in the build cache, which holds builds alone), made at start and removed when it ends.
    /// </summary>
    private string LanesDirectory { get; }

    /// <summary>A new lane directory for this agent (<see cref="LanesDirectory"/>).</summary>
    private static string CreateLanesDirectory() =>
        Directory.CreateTempSubdirectory($"{LanesDirectoryPrefix}{Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}-").FullName;

    /// <summary>The lane the workers of the pool for <paramref name="build"/> and <paramref name="serializer"/> open; null with lanes off.</summary>
    private WorkerLaneSpec? LaneFor(string build, string? serializer)
    {
        if (!_options.WorkerLanes)
        {
            return null;
        }

        string directory = LanesDirectory;
        string subject = _names.Lane(Name, build, serializer);
        string path = Path.Combine(directory, $"settings-{subject[(subject.LastIndexOf('.') + 1)..]}.json");
        new LaneSettings
        {
            Server = _options.Server,
            Cluster = _names.Cluster,
            Agent = Name,
            Subject = subject,
            Control = _names.Lanes(Name),
            Protocol = ClusterHeaders.ProtocolText,
            PageDirectory = directory,
            CancellationGracePeriod = _options.CancellationGracePeriod,
            ConnectTimeout = _options.ConnectTimeout,
            AnswerFor = _options.AckWait,
            ClaimTimeout = _options.ClaimTimeout,
            Credentials = _options.Credentials,
        }.Write(path);
        return new WorkerLaneSpec(LaneType, path);
    }

    /// <summary>
    /// A worker of a local pool ended: if its page says it was running a lane call, that call's caller is told it
    /// crashed, with what the local pool saw, as for a call the agent relayed.
    /// </summary>
    private void OnWorkerExited(WorkerExitedEventArgs exited)
    {
        if (!_options.WorkerLanes || exited.Exit is not { } exit
            || LanePage.TakeRecord(LanesDirectory, exit.ProcessId) is not { } record)
        {
            return;
        }

        if (record.Stopped)
        {
            // Ended for its caller (a kill, or a cancellation past the grace period), which waits for nothing but an
            // offer not yet answered "taken": that gets its reply, or the caller would offer this agent nothing for minutes.
            if (record.State == LanePage.State.Running)
            {
                (NatsHeaders stopped, byte[] stoppedBody) = NatsLane.StoppedAnswer(Name, record.CallId, record.Attempt);
                Hold(TryAsync(() => _nats.PublishAsync(record.ReplyTo, stoppedBody, stopped)));
            }

            return;
        }

        var crash = new CallAnswer(CallOutcome.Crashed, Encoding.UTF8.GetBytes(exit.StandardErrorTail))
        {
            WorkerProcessId = exit.ProcessId,
            ExitCode = exit.ExitCode,
            Signal = exit.Signal,
            Cause = exit.Cause,
        };
        (NatsHeaders answer, byte[] body) = AnswerMessage(record.CallId, record.Attempt, crash);
        _options.Log.WriteLine($"spindle agent {Name}: worker {exit.ProcessId} died running a call it took itself ({exit.Cause}); its caller is told.");
        Hold(record.State == LanePage.State.Running

            // The caller waits for the offer's reply: the crash is that reply.
            ? TryAsync(() => _nats.PublishAsync(record.ReplyTo, body, answer))

            // The caller was told "taken": the crash goes to its inbox until it confirms it, as any answer.
            : (Task)SendAnswerAsync(record.Inbox, body, answer));
    }

    /// <summary>Passes a stop of a call this agent does not run to its workers' lanes, one of which may.</summary>
    private Task ForwardStopToLanesAsync(NatsMsg<byte[]> stop, string key)
    {
        if (!_options.WorkerLanes)
        {
            return Task.CompletedTask;
        }

        _options.Log.WriteLine($"spindle agent {Name}: call {key} stopped by its caller, if one of its workers runs it (passed to their lanes).");
        return TryAsync(() => _nats.PublishAsync(_names.Lanes(Name), stop.Data ?? [], stop.Headers));
    }

    /// <summary>The agent drains: its workers take no more calls themselves (offers then reach the agent, which says "busy").</summary>
    private Task CloseLanesAsync() =>
        _options.WorkerLanes
            ? TryAsync(() => _nats.PublishAsync(_names.Lanes(Name), Array.Empty<byte>(), new NatsHeaders { [ClusterHeaders.LaneOrder] = ClusterHeaders.LaneClose }))
            : Task.CompletedTask;

    /// <summary>Waits until no live worker runs a lane call: the stop lets them end and be answered, as the calls it holds.</summary>
    private async Task LaneCallsEndedAsync()
    {
        string directory = LanesDirectory;
        while (_options.WorkerLanes && Directory.Exists(directory))
        {
            bool busy = false;
            foreach (string page in Directory.EnumerateFiles(directory))
            {
                if (int.TryParse(Path.GetFileName(page), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid)
                    && IsAlive(pid) && LanePage.IsBusy(directory, pid))
                {
                    busy = true;
                    break;
                }
            }

            if (!busy)
            {
                return;
            }

            await Task.Delay(LaneCallsPoll).ConfigureAwait(false);
        }
    }

    private static bool IsAlive(int pid) => !OperatingSystem.IsLinux() || Directory.Exists($"/proc/{pid}");

    /// <summary>
    /// Removes the lane directories left by agents of this user that died before removing theirs, and this agent's own
    /// with <paramref name="ownToo"/> (as it ends).
    /// </summary>
    private void RemoveLaneDirectories(bool ownToo)
    {
        foreach (string directory in Directory.EnumerateDirectories(Path.GetTempPath(), LanesDirectoryPrefix + "*"))
        {
            string[] parts = Path.GetFileName(directory)[LanesDirectoryPrefix.Length..].Split('-', 2);
            bool mine = directory == LanesDirectory;
            if (mine ? ownToo : (int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid) && !IsAlive(pid)))
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another user's, or in use: not this agent's to remove.
                    if (mine)
                    {
                        _options.Log.WriteLine($"spindle agent {Name}: could not remove {directory}: {e.Message}");
                    }
                }
            }
        }
    }
}

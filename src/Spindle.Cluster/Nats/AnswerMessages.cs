using System.Globalization;
using NATS.Client.Core;

namespace Spindle.Cluster.Nats;

/// <summary>What an agent (or one of its workers' lanes) tells a caller about a call: the event and outcome in headers, the payload as the body.</summary>
internal static class AnswerMessages
{
    /// <summary>The headers every message about a call carries: what happened, where, and to which attempt of which call.</summary>
    public static NatsHeaders Event(string kind, string agent, long callId, int attempt) => new()
    {
        [ClusterHeaders.Event] = kind,
        [ClusterHeaders.Agent] = agent,
        [ClusterHeaders.Call] = Number(callId),
        [ClusterHeaders.Attempt] = Number(attempt),
    };

    /// <summary>A lone call's answer as a message: the outcome in headers, the payload (or stderr tail, or error) as the body.</summary>
    public static (NatsHeaders Headers, byte[] Body) For(string agent, long callId, int attempt, CallAnswer outcome)
    {
        NatsHeaders answer = Event(outcome.Outcome == CallOutcome.Result ? ClusterHeaders.EventResult : ClusterHeaders.EventFailed, agent, callId, attempt);
        switch (outcome.Outcome)
        {
            case CallOutcome.Result:
                answer[ClusterHeaders.Worker] = Number(outcome.WorkerProcessId);
                answer[ClusterHeaders.Ran] = Number(outcome.RunMicros);
                if (outcome.ValueName is { } name)
                {
                    answer[ClusterHeaders.Value] = name;
                }

                break;
            case CallOutcome.Crashed:
                answer[ClusterHeaders.Failure] = ClusterHeaders.FailureCrashed;
                answer[ClusterHeaders.Worker] = Number(outcome.WorkerProcessId);
                answer[ClusterHeaders.Cause] = outcome.Cause ?? "the worker process died";
                if (outcome.ExitCode is { } code)
                {
                    answer[ClusterHeaders.ExitCode] = Number(code);
                }

                if (outcome.Signal is { } signal)
                {
                    answer[ClusterHeaders.Signal] = Number(signal);
                }

                break;
            default:
                answer[ClusterHeaders.Failure] = ClusterHeaders.FailureError;
                break;
        }

        return (answer, outcome.Body);
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}

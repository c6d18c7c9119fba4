using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spindle.AspNetCore.Status;

namespace Spindle.AspNetCore.Web;

/// <summary>
/// Draining or killing an agent of a cluster pool: <c>POST api/pools/{pool}/agents/{agent}/drain</c> (it finishes the
/// calls it holds, leaves the registry and exits 0) or <c>…/kill</c> (it dies now with its workers; their calls are
/// retried elsewhere). The order goes to the agent over its control subject; the answer comes once it has taken it.
/// </summary>
internal static class AgentEndpoints
{
    private static readonly TimeSpan OrderTimeout = TimeSpan.FromSeconds(5);

    public static Task Drain(HttpContext context, PoolMonitor monitor) => OrderAsync(context, monitor, "drain", (pool, agent, ct) => pool.DrainAgentAsync(agent, ct));

    public static Task Kill(HttpContext context, PoolMonitor monitor) => OrderAsync(context, monitor, "kill", (pool, agent, ct) => pool.KillAgentAsync(agent, ct));

    private static async Task OrderAsync(HttpContext context, PoolMonitor monitor, string order, Func<WorkerPool, string, CancellationToken, Task<bool>> send)
    {
        string key = PoolKeySegment.Read(context);
        string agent = context.GetRouteValue("agent") as string ?? "";
        IResult result;
        if (monitor.Find(key) is not { } pool)
        {
            result = ApiError.Result(StatusCodes.Status404NotFound, $"No pool '{key}' is shown here; api/status lists them.");
        }
        else if (!pool.RunsOnCluster())
        {
            result = ApiError.Result(StatusCodes.Status404NotFound, $"Pool '{key}' runs on this machine: only a cluster pool has agents to {order}.");
        }
        else
        {
            result = await SendAsync(context, pool, key, agent, order, send).ConfigureAwait(false);
        }

        await result.ExecuteAsync(context).ConfigureAwait(false);
    }

    private static async Task<IResult> SendAsync(HttpContext context, WorkerPool pool, string key, string agent, string order, Func<WorkerPool, string, CancellationToken, Task<bool>> send)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        bounded.CancelAfter(OrderTimeout);
        try
        {
            return await send(pool, agent, bounded.Token).ConfigureAwait(false)
                ? Results.Json(new { pool = key, agent, order, accepted = true }, DashboardJson.Options, statusCode: StatusCodes.Status202Accepted)
                : ApiError.Result(StatusCodes.Status404NotFound, $"No agent '{agent}' of pool '{key}' is listening (it may have stopped already); api/status lists them.");
        }
        catch (ArgumentException)
        {
            return ApiError.Result(StatusCodes.Status400BadRequest, $"'{agent}' is not an agent name: letters, digits, '-' and '_' only.", "agent");
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            return ApiError.Result(StatusCodes.Status504GatewayTimeout, $"Agent '{agent}' did not take the {order} order within {OrderTimeout.TotalSeconds:0} s.");
        }
        catch (SpindleException e)
        {
            return ApiError.Result(StatusCodes.Status502BadGateway, $"The {order} order could not be sent to agent '{agent}': {e.Message}");
        }
    }
}

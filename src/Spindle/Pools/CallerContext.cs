namespace Spindle.Pools;

/// <summary>
/// Keeps a caller's <see cref="ExecutionContext"/> (AsyncLocal values, <c>Activity.Current</c>, the current culture,
/// logging scopes) out of the pool's own work. Only a thread-isolated call's delegate runs under its caller's
/// context, as with <c>Task.Run</c> (see <see cref="InlineCall{TResult}.RunHere"/>); a worker started because a call came,
/// a call's timers and the pool's idle timer would otherwise carry the context of whoever happened to cause them,
/// for as long as they live.
/// </summary>
internal static class CallerContext
{
    /// <summary>Stops the current context from flowing into what is started until the scope is disposed.</summary>
    public static Scope Suppress() => new(ExecutionContext.IsFlowSuppressed() ? null : ExecutionContext.SuppressFlow());

    /// <summary>Restores the flow on dispose, unless it was suppressed already (then there is nothing to undo).</summary>
    public readonly struct Scope(AsyncFlowControl? flow) : IDisposable
    {
        public void Dispose() => flow?.Undo();
    }
}

namespace Spindle.Backends;

/// <summary>What a backend whose workers share memory with the caller (threads) does with a call: run it right here.</summary>
internal interface IInlineCall
{
    /// <summary>Runs the delegate on the current thread and keeps its outcome, to be published once the worker is free.</summary>
    void RunHere(CancellationToken cancellationToken);
}

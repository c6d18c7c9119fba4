using Spindle;
using Spindle.Calls;
using Spindle.Pools;

namespace Spindle;

/// <summary>
/// <c>RunAsync</c>: one call on one worker. With process isolation, the delegate's captured variables and the
/// arguments are copied to the worker; a delegate parameter of type <see cref="CancellationToken"/> receives the
/// call's token there. Async delegates hold their worker until they complete. An array argument at or above
/// <see cref="WorkerPoolOptions.SharedMemoryThreshold"/> may be copied while the call runs, straight from the caller's
/// array: as with a buffer given to <c>Stream.WriteAsync</c>, do not change it until the returned task completes.
/// </summary>
public sealed partial class WorkerPool
{
    /// <summary>Runs <paramref name="fn"/> on a worker and returns its result.</summary>
    public Task<TResult> RunAsync<TResult>(Func<TResult> fn, CancellationToken cancellationToken = default) =>
        Submit(fn, [], static (f, _, _) => ((Func<TResult>)f)(), CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/>(<paramref name="arg1"/>) on a worker and returns its result.</summary>
    public Task<TResult> RunAsync<T1, TResult>(Func<T1, TResult> fn, T1 arg1, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1], static (f, a, _) => ((Func<T1, TResult>)f)((T1)a[0]!), CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/> with two arguments on a worker and returns its result.</summary>
    public Task<TResult> RunAsync<T1, T2, TResult>(Func<T1, T2, TResult> fn, T1 arg1, T2 arg2, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1, arg2], static (f, a, _) => ((Func<T1, T2, TResult>)f)((T1)a[0]!, (T2)a[1]!), CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/> with three arguments on a worker and returns its result.</summary>
    public Task<TResult> RunAsync<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> fn, T1 arg1, T2 arg2, T3 arg3, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1, arg2, arg3], static (f, a, _) => ((Func<T1, T2, T3, TResult>)f)((T1)a[0]!, (T2)a[1]!, (T3)a[2]!), CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/> with four arguments on a worker and returns its result.</summary>
    public Task<TResult> RunAsync<T1, T2, T3, T4, TResult>(Func<T1, T2, T3, T4, TResult> fn, T1 arg1, T2 arg2, T3 arg3, T4 arg4, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1, arg2, arg3, arg4], static (f, a, _) => ((Func<T1, T2, T3, T4, TResult>)f)((T1)a[0]!, (T2)a[1]!, (T3)a[2]!, (T4)a[3]!), CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/> on a worker.</summary>
    public Task RunAsync(Action fn, CancellationToken cancellationToken = default) =>
        Submit<object?>(fn, [], static (f, _, _) => { ((Action)f)(); return null; }, CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/>(<paramref name="arg1"/>) on a worker.</summary>
    public Task RunAsync<T1>(Action<T1> fn, T1 arg1, CancellationToken cancellationToken = default) =>
        Submit<object?>(fn, [arg1], static (f, a, _) => { ((Action<T1>)f)((T1)a[0]!); return null; }, CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/> with two arguments on a worker.</summary>
    public Task RunAsync<T1, T2>(Action<T1, T2> fn, T1 arg1, T2 arg2, CancellationToken cancellationToken = default) =>
        Submit<object?>(fn, [arg1, arg2], static (f, a, _) => { ((Action<T1, T2>)f)((T1)a[0]!, (T2)a[1]!); return null; }, CallFlags.None, cancellationToken);

    /// <summary>Runs the async <paramref name="fn"/> on a worker and returns its result.</summary>
    public Task<TResult> RunAsync<TResult>(Func<Task<TResult>> fn, CancellationToken cancellationToken = default) =>
        Submit(fn, [], static (f, _, _) => ((Func<Task<TResult>>)f)().WaitReturned(), CallFlags.None, cancellationToken);

    /// <summary>Runs the async <paramref name="fn"/>(<paramref name="arg1"/>) on a worker and returns its result.</summary>
    public Task<TResult> RunAsync<T1, TResult>(Func<T1, Task<TResult>> fn, T1 arg1, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1], static (f, a, _) => ((Func<T1, Task<TResult>>)f)((T1)a[0]!).WaitReturned(), CallFlags.None, cancellationToken);

    /// <summary>Runs the async <paramref name="fn"/> on a worker.</summary>
    public Task RunAsync(Func<Task> fn, CancellationToken cancellationToken = default) =>
        Submit<object?>(fn, [], static (f, _, _) => { ((Func<Task>)f)().WaitReturned(); return null; }, CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/> on a worker, passing it the call's cancellation token, and returns its result.</summary>
    public Task<TResult> RunAsync<TResult>(Func<CancellationToken, TResult> fn, CancellationToken cancellationToken = default) =>
        Submit(fn, [], static (f, _, ct) => ((Func<CancellationToken, TResult>)f)(ct), CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/>(<paramref name="arg1"/>, token) on a worker and returns its result.</summary>
    public Task<TResult> RunAsync<T1, TResult>(Func<T1, CancellationToken, TResult> fn, T1 arg1, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1], static (f, a, ct) => ((Func<T1, CancellationToken, TResult>)f)((T1)a[0]!, ct), CallFlags.None, cancellationToken);

    /// <summary>Runs the async <paramref name="fn"/> on a worker, passing it the call's cancellation token, and returns its result.</summary>
    public Task<TResult> RunAsync<TResult>(Func<CancellationToken, Task<TResult>> fn, CancellationToken cancellationToken = default) =>
        Submit(fn, [], static (f, _, ct) => ((Func<CancellationToken, Task<TResult>>)f)(ct).WaitReturned(), CallFlags.None, cancellationToken);

    /// <summary>Runs the async <paramref name="fn"/>(<paramref name="arg1"/>, token) on a worker and returns its result.</summary>
    public Task<TResult> RunAsync<T1, TResult>(Func<T1, CancellationToken, Task<TResult>> fn, T1 arg1, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1], static (f, a, ct) => ((Func<T1, CancellationToken, Task<TResult>>)f)((T1)a[0]!, ct).WaitReturned(), CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/> on a worker, passing it the call's cancellation token.</summary>
    public Task RunAsync(Action<CancellationToken> fn, CancellationToken cancellationToken = default) =>
        Submit<object?>(fn, [], static (f, _, ct) => { ((Action<CancellationToken>)f)(ct); return null; }, CallFlags.None, cancellationToken);

    /// <summary>Runs <paramref name="fn"/> on a worker with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task<TResult> RunAsync<TResult>(Func<TResult> fn, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [], static (f, _, _) => ((Func<TResult>)f)(), CallFlags.None, cancellationToken, options);

    /// <summary>Runs <paramref name="fn"/>(<paramref name="arg1"/>) on a worker with per-call <paramref name="options"/>.</summary>
    public Task<TResult> RunAsync<T1, TResult>(Func<T1, TResult> fn, T1 arg1, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1], static (f, a, _) => ((Func<T1, TResult>)f)((T1)a[0]!), CallFlags.None, cancellationToken, options);

    /// <summary>Runs <paramref name="fn"/>(<paramref name="arg1"/>, token) on a worker with per-call <paramref name="options"/>.</summary>
    public Task<TResult> RunAsync<T1, TResult>(Func<T1, CancellationToken, TResult> fn, T1 arg1, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1], static (f, a, ct) => ((Func<T1, CancellationToken, TResult>)f)((T1)a[0]!, ct), CallFlags.None, cancellationToken, options);

    /// <summary>Runs <paramref name="fn"/> with two arguments on a worker and returns its result with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task<TResult> RunAsync<T1, T2, TResult>(Func<T1, T2, TResult> fn, T1 arg1, T2 arg2, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1, arg2], static (f, a, _) => ((Func<T1, T2, TResult>)f)((T1)a[0]!, (T2)a[1]!), CallFlags.None, cancellationToken, options);

    /// <summary>Runs <paramref name="fn"/> with three arguments on a worker and returns its result with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task<TResult> RunAsync<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> fn, T1 arg1, T2 arg2, T3 arg3, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1, arg2, arg3], static (f, a, _) => ((Func<T1, T2, T3, TResult>)f)((T1)a[0]!, (T2)a[1]!, (T3)a[2]!), CallFlags.None, cancellationToken, options);

    /// <summary>Runs <paramref name="fn"/> with four arguments on a worker and returns its result with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task<TResult> RunAsync<T1, T2, T3, T4, TResult>(Func<T1, T2, T3, T4, TResult> fn, T1 arg1, T2 arg2, T3 arg3, T4 arg4, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1, arg2, arg3, arg4], static (f, a, _) => ((Func<T1, T2, T3, T4, TResult>)f)((T1)a[0]!, (T2)a[1]!, (T3)a[2]!, (T4)a[3]!), CallFlags.None, cancellationToken, options);

    /// <summary>Runs <paramref name="fn"/> on a worker with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task RunAsync(Action fn, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit<object?>(fn, [], static (f, _, _) => { ((Action)f)(); return null; }, CallFlags.None, cancellationToken, options);

    /// <summary>Runs <paramref name="fn"/>(<paramref name="arg1"/>) on a worker with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task RunAsync<T1>(Action<T1> fn, T1 arg1, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit<object?>(fn, [arg1], static (f, a, _) => { ((Action<T1>)f)((T1)a[0]!); return null; }, CallFlags.None, cancellationToken, options);

    /// <summary>Runs <paramref name="fn"/> with two arguments on a worker with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task RunAsync<T1, T2>(Action<T1, T2> fn, T1 arg1, T2 arg2, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit<object?>(fn, [arg1, arg2], static (f, a, _) => { ((Action<T1, T2>)f)((T1)a[0]!, (T2)a[1]!); return null; }, CallFlags.None, cancellationToken, options);

    /// <summary>Runs the async <paramref name="fn"/> on a worker and returns its result with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task<TResult> RunAsync<TResult>(Func<Task<TResult>> fn, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [], static (f, _, _) => ((Func<Task<TResult>>)f)().WaitReturned(), CallFlags.None, cancellationToken, options);

    /// <summary>Runs the async <paramref name="fn"/>(<paramref name="arg1"/>) on a worker and returns its result with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task<TResult> RunAsync<T1, TResult>(Func<T1, Task<TResult>> fn, T1 arg1, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1], static (f, a, _) => ((Func<T1, Task<TResult>>)f)((T1)a[0]!).WaitReturned(), CallFlags.None, cancellationToken, options);

    /// <summary>Runs the async <paramref name="fn"/> on a worker with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task RunAsync(Func<Task> fn, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit<object?>(fn, [], static (f, _, _) => { ((Func<Task>)f)().WaitReturned(); return null; }, CallFlags.None, cancellationToken, options);

    /// <summary>Runs <paramref name="fn"/> on a worker, passing it the call's cancellation token, and returns its result with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task<TResult> RunAsync<TResult>(Func<CancellationToken, TResult> fn, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [], static (f, _, ct) => ((Func<CancellationToken, TResult>)f)(ct), CallFlags.None, cancellationToken, options);

    /// <summary>Runs the async <paramref name="fn"/> on a worker, passing it the call's cancellation token, and returns its result with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task<TResult> RunAsync<TResult>(Func<CancellationToken, Task<TResult>> fn, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [], static (f, _, ct) => ((Func<CancellationToken, Task<TResult>>)f)(ct).WaitReturned(), CallFlags.None, cancellationToken, options);

    /// <summary>Runs the async <paramref name="fn"/>(<paramref name="arg1"/>, token) on a worker and returns its result with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task<TResult> RunAsync<T1, TResult>(Func<T1, CancellationToken, Task<TResult>> fn, T1 arg1, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit(fn, [arg1], static (f, a, ct) => ((Func<T1, CancellationToken, Task<TResult>>)f)((T1)a[0]!, ct).WaitReturned(), CallFlags.None, cancellationToken, options);

    /// <summary>Runs <paramref name="fn"/> on a worker, passing it the call's cancellation token with per-call <paramref name="options"/> (timeout, retries).</summary>
    public Task RunAsync(Action<CancellationToken> fn, CallOptions options, CancellationToken cancellationToken = default) =>
        Submit<object?>(fn, [], static (f, _, ct) => { ((Action<CancellationToken>)f)(ct); return null; }, CallFlags.None, cancellationToken, options);

    /// <summary>Runs any delegate with arguments given as an array; the result is boxed (null for void).</summary>
    public Task<object?> RunDelegateAsync(Delegate fn, object?[] args, CancellationToken cancellationToken = default) =>
        RunDelegateAsync(fn, args, options: null, cancellationToken);

    /// <summary>Runs any delegate with arguments given as an array and per-call <paramref name="options"/>; the result is boxed.</summary>
    public Task<object?> RunDelegateAsync(Delegate fn, object?[] args, CallOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(args);
        CheckArguments(fn, args);
        return Submit(fn, args, static (f, a, ct) => DelegateInvoker.Invoke(f, a, ct), CallFlags.None, cancellationToken, options);
    }

    /// <summary>
    /// The untyped call's arguments against the delegate's parameters (its CancellationToken aside, which the pool
    /// passes), at the call site and the same for both isolations: the typed overloads have the compiler for this.
    /// </summary>
    private static void CheckArguments(Delegate fn, object?[] args)
    {
        System.Reflection.ParameterInfo[] parameters = fn.Method.GetParameters();
        int given = 0;
        foreach (System.Reflection.ParameterInfo parameter in parameters)
        {
            if (parameter.ParameterType == typeof(CancellationToken))
            {
                continue;
            }

            if (given >= args.Length)
            {
                throw new ArgumentException($"The delegate needs a value for parameter '{parameter.Name}', but only {args.Length} argument(s) were given.", nameof(args));
            }

            object? value = args[given++];
            Type declared = parameter.ParameterType;
            bool fits = value is null ? !declared.IsValueType || Nullable.GetUnderlyingType(declared) is not null : declared.IsInstanceOfType(value);
            if (!fits)
            {
                throw new ArgumentException(
                    $"Argument {given - 1} is {(value is null ? "null" : $"a {value.GetType().Name}")}, but the delegate's parameter '{parameter.Name}' is a {declared.Name}.", nameof(args));
            }
        }

        if (given != args.Length)
        {
            throw new ArgumentException($"The delegate takes {given} argument(s) but {args.Length} were given.", nameof(args));
        }
    }
}

using Spindle.Lab.Model;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>Spindle's own path: <c>pool.RunAsync(a => a, bytes)</c>, the array copied to a worker process and back, or handed to a worker thread.</summary>
internal sealed class SpindlePoolRow(Isolation isolation) : IChannelRow
{
    public string Series => $"WorkerPool.RunAsync(byte[] echo), {(isolation == Isolation.Process ? "process" : "thread")} worker";

    public Subject Subject => isolation == Isolation.Process ? Subject.Process : Subject.Thread;

    public Origin Origin => Origin.Spindle;

    public string? MissingReason => null;

    public async Task<ChannelSession> OpenAsync(ExperimentContext context, int maxBytes, WorkerPool peers)
    {
        var pool = new WorkerPool(new WorkerPoolOptions { Isolation = isolation, Workers = 1, MaxMessageBytes = Math.Max(new WorkerPoolOptions().MaxMessageBytes, maxBytes + 4096) });
        await pool.WarmUpAsync(context.CancellationToken);
        return new PoolSession(pool);
    }

    private sealed class PoolSession(WorkerPool pool) : ChannelSession(int.MaxValue)
    {
        private readonly Dictionary<int, byte[]> _payloads = [];

        public override async ValueTask RoundTripAsync(int length)
        {
            if (!_payloads.TryGetValue(length, out byte[]? payload))
            {
                _payloads[length] = payload = Payload.Create(length);
            }

            byte[] echoed = await pool.RunAsync(static a => a, payload);
            if (echoed.Length != length)
            {
                throw new InvalidOperationException($"The pool echoed {echoed.Length} bytes instead of {length}.");
            }
        }

        public override ValueTask DisposeAsync() => pool.DisposeAsync();
    }
}

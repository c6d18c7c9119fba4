using Microsoft.Extensions.Logging;
using Spindle.Calls.Serialization;
using Spindle;
using Spindle.Pools;

namespace Spindle.Backends;

/// <summary>What a backend gets from the pool that creates it.</summary>
/// <param name="Options">The pool's options (its own copy: they do not change).</param>
/// <param name="Reports">Where its workers report.</param>
/// <param name="Codec">How values are encoded and decoded for this pool.</param>
/// <param name="Logger">The pool's logger.</param>
internal sealed record BackendContext(WorkerPoolOptions Options, IWorkerReports Reports, ValueCodec Codec, ILogger Logger);

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Spindle.Tests.Telemetry;

/// <summary>An <see cref="ILoggerFactory"/> that keeps every entry with its category and the scopes it was logged in.</summary>
internal sealed class CollectingLoggerFactory : ILoggerFactory
{
    private readonly LoggerExternalScopeProvider _scopes = new();

    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    internal sealed record Entry(string Category, LogLevel Level, string Message, IReadOnlyList<object?> Scopes)
    {
        /// <summary>The value of <paramref name="key"/> in any of the entry's structured scopes.</summary>
        public object? ScopeValue(string key) => Scopes
            .OfType<IEnumerable<KeyValuePair<string, object?>>>()
            .SelectMany(s => s)
            .FirstOrDefault(p => p.Key == key).Value;
    }

    private sealed class Logger(CollectingLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => factory._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<object?>();
            factory._scopes.ForEachScope(static (scope, list) => list.Add(scope), scopes);
            factory.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), scopes));
        }
    }
}

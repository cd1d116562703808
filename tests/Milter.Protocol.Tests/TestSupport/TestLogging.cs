using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Milter.Protocol.Tests.TestSupport;

internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception,
    IReadOnlyList<KeyValuePair<string, object?>> State)
{
    public object? this[string key] => State.FirstOrDefault(pair => pair.Key == key).Value;
}

/// <summary>Collects every log line of every logger it creates.</summary>
internal sealed class TestLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public IReadOnlyList<LogEntry> Warnings => [.. _entries.Where(e => e.Level == LogLevel.Warning)];

    public ILogger CreateLogger(string categoryName) => new TestLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class TestLogger(TestLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var pairs = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            owner._entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception, [.. pairs]));
        }
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// Records every log line the handler writes, formatted as the daemon's sinks would print it, with its level:
/// administrators grep for OpenDKIM's wording, so the tests compare the text, not the template.
/// </summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    /// <summary>Every line so far, in order.</summary>
    public IReadOnlyList<LogLine> Lines => _lines.ToArray();

    /// <summary>The messages of the lines logged at <paramref name="level"/>.</summary>
    public IReadOnlyList<string> At(LogLevel level) => Lines.Where(line => line.Level == level).Select(line => line.Message).ToList();

    /// <summary>The line with exactly this text (it must be there once).</summary>
    public LogLine Single(string message) => Assert.Single(Lines, line => line.Message == message);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    // Everything is enabled: a line at Debug is still a line the level can be checked on.
    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _lines.Enqueue(new LogLine(logLevel, formatter(state, exception)));
    }

    /// <summary>One recorded line.</summary>
    internal sealed record LogLine(LogLevel Level, string Message);
}

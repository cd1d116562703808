using Microsoft.Extensions.Logging;

namespace Milter.Fuzzing.Support;

/// <summary>
/// A logger that keeps what would be a bug if it were logged for any input: errors, and any entry carrying an
/// exception. A peer's protocol mistake is a warning without an exception (SessionLog event 110), so it passes;
/// "handler failed" (120), "closed by an internal error" (121), a signature generation or verification error do not.
/// </summary>
public sealed class ProblemLogger : ILogger
{
    private readonly List<string> _problems = [];
    private readonly Func<Exception, bool> _isKnown;

    /// <summary>Creates the logger; <paramref name="isKnown"/> picks out exceptions of a known, documented finding
    /// that the run should look past (docs/reliability/fuzzing.md lists each), none by default.</summary>
    public ProblemLogger(Func<Exception, bool>? isKnown = null) => _isKnown = isKnown ?? (_ => false);

    /// <summary>The problems logged so far.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Forgets what was logged (the logger is reused across inputs).</summary>
    public void Clear() => _problems.Clear();

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if ((logLevel >= LogLevel.Error || exception is not null) && !(exception is not null && _isKnown(exception)))
        {
            _problems.Add($"{logLevel} {eventId.Id}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
        }
    }

    /// <summary>Throws <see cref="FuzzPropertyException"/> with everything logged, if anything was.</summary>
    public void ThrowIfAny(string what)
    {
        if (_problems.Count > 0)
        {
            throw new FuzzPropertyException($"{what} logged: {string.Join(Environment.NewLine, _problems)}");
        }
    }
}

using Milter.Configuration;
using Milter.Protocol.Server;

namespace Milter.Daemon.Startup;

/// <summary>
/// dkim-milter's own options (OpenDKIM has none of them: libmilter's 7210 s read timeout is fixed there, and
/// connections are not limited): how long a milter connection may wait for the MTA's next command (or for the MTA
/// to read our reply), between messages (<c>ConnectionIdleTimeout</c>) and inside one (<c>MessageIdleTimeout</c>),
/// in seconds; and how many sessions are served at once (<c>MaximumConnections</c>, 0 for no limit).
/// </summary>
internal sealed record ConnectionLimits(TimeSpan IdleTimeout, TimeSpan MessageIdleTimeout, int MaxConnections)
{
    /// <summary>CancellationTokenSource.CancelAfter's ceiling, in whole seconds (int.MaxValue milliseconds).</summary>
    public const int MaxTimeoutSeconds = int.MaxValue / 1000;

    /// <summary>
    /// What Postfix allows its SMTP client per command (smtpd_timeout, 300 s by default). A milter connection can
    /// be idle at least that long while Postfix still means to use it; a shorter timeout here is allowed (tests,
    /// other MTAs) but warned about.
    /// </summary>
    public static readonly TimeSpan PostfixSmtpdTimeout = TimeSpan.FromSeconds(300);

    /// <summary>Reads the three options (defaults: 7210 s, 7210 s, 4096).</summary>
    /// <exception cref="ConfigurationException">A value is not a whole number in its range; names the file and line.</exception>
    public static ConnectionLimits From(ConfigFile config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ConnectionLimits(
            TimeSpan.FromSeconds(ReadInteger(config, "ConnectionIdleTimeout", (int)MilterSessionOptions.DefaultIdleTimeout.TotalSeconds, 1, MaxTimeoutSeconds, "seconds")),
            TimeSpan.FromSeconds(ReadInteger(config, "MessageIdleTimeout", (int)MilterSessionOptions.DefaultIdleTimeout.TotalSeconds, 1, MaxTimeoutSeconds, "seconds")),
            ReadInteger(config, "MaximumConnections", MilterServerOptions.DefaultMaxConnections, 0, int.MaxValue, "sessions at once, 0 for no limit"));
    }

    /// <summary>The options (file and line) set below <see cref="PostfixSmtpdTimeout"/>, for a start-up warning.</summary>
    public IEnumerable<(ConfigEntry Entry, TimeSpan Value)> ShorterThanPostfix(ConfigFile config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (IdleTimeout < PostfixSmtpdTimeout && config.Find("ConnectionIdleTimeout") is { } idle)
        {
            yield return (idle, IdleTimeout);
        }

        if (MessageIdleTimeout < PostfixSmtpdTimeout && config.Find("MessageIdleTimeout") is { } message)
        {
            yield return (message, MessageIdleTimeout);
        }
    }

    /// <summary>The server's options with these limits.</summary>
    public MilterServerOptions ToServerOptions() => new()
    {
        MaxConnections = MaxConnections,
        Session = new MilterSessionOptions { IdleTimeout = IdleTimeout, MessageIdleTimeout = MessageIdleTimeout },
    };

    private static int ReadInteger(ConfigFile config, string name, int defaultValue, int minimum, int maximum, string unit)
    {
        if (config.Find(name) is not { } entry)
        {
            return defaultValue;
        }

        long value = config.GetInteger(name, defaultValue);
        return value >= minimum && value <= maximum
            ? (int)value
            : throw new ConfigurationException(entry.File, entry.Line, "illegal value", $"{name} takes {minimum} to {maximum} ({unit}), not '{entry.Value}'");
    }
}

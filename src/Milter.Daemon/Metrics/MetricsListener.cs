using System.Net;
using Microsoft.Extensions.Logging;
using Milter.Configuration.Datasets;
using Milter.Protocol.Server;
using Prometheus;

namespace Milter.Daemon.Metrics;

/// <summary>
/// Turns the metrics on for this process (MetricsSocket): <see cref="DaemonMetrics.Current"/>, the dataset counter,
/// the session observer; then serves them with prometheus-net's stand-alone <see cref="MetricServer"/> (an
/// HttpListener, no ASP.NET) at <c>http://HOST:PORT/metrics</c>.
/// </summary>
internal static partial class MetricsListener
{
    /// <summary>Creates the metrics and makes every counting site use them; <paramref name="status"/> feeds the session gauges.</summary>
    public static DaemonMetrics Enable(Func<MilterServerStatus> status)
    {
        var metrics = new DaemonMetrics(status);
        DaemonMetrics.Current = metrics;
        DatasetLookups.Counter = metrics;
        return metrics;
    }

    /// <summary>The server's options with the metrics observing every session.</summary>
    public static MilterServerOptions Observed(MilterServerOptions options, DaemonMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        return metrics is null ? options : options with { Session = options.Session with { Observer = metrics } };
    }

    /// <summary>Starts the HTTP listener; null when metrics are off.</summary>
    /// <exception cref="HttpListenerException">The address cannot be listened on (port in use, say).</exception>
    public static MetricServer? Start(MetricsEndpoint? endpoint, DaemonMetrics? metrics, ILogger log)
    {
        if (endpoint is null || metrics is null)
        {
            return null;
        }

        var server = new MetricServer(endpoint.Host, endpoint.Port, "metrics/", metrics.Registry);
        try
        {
            server.Start();
        }
        catch
        {
            server.Dispose();
            throw;
        }

        Listening(log, endpoint.Url);
        return server;
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "metrics served at {Url} (MetricsSocket)")]
    private static partial void Listening(ILogger logger, string url);
}

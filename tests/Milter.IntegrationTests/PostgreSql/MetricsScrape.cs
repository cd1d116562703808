using System.Globalization;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// Scrapes a daemon's MetricsSocket endpoint (Prometheus text format) into series (name and labels, as written) and
/// values, and reads the <c>dkim_milter_dataset_lookups_total{backend="pgsql"}</c> series of it.
/// </summary>
internal sealed class MetricsScrape(int port) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string Url { get; } = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/metrics";

    /// <summary>The series name of the database look-ups with <paramref name="result"/> (found, not_found, error).</summary>
    public static string PgsqlLookups(string result) => $"dkim_milter_dataset_lookups_total{{backend=\"pgsql\",result=\"{result}\"}}";

    /// <summary>One scrape: every sample.</summary>
    public async Task<Dictionary<string, double>> SamplesAsync()
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in (await _http.GetStringAsync(Url)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return samples;
    }

    /// <summary>The pgsql look-up counters now: found, not_found, error (each must be present).</summary>
    public async Task<(double Found, double NotFound, double Error)> PgsqlAsync()
    {
        var samples = await SamplesAsync();
        double Read(string result) => samples.TryGetValue(PgsqlLookups(result), out double value)
            ? value
            : throw new Xunit.Sdk.XunitException($"{PgsqlLookups(result)} is not served:\n{string.Join('\n', samples.Keys.Where(key => key.StartsWith("dkim_milter_dataset", StringComparison.Ordinal)))}");
        return (Read("found"), Read("not_found"), Read("error"));
    }

    public void Dispose() => _http.Dispose();
}

using Milter.Daemon.Metrics;
using Milter.IntegrationTests.Handler;

namespace Milter.IntegrationTests.Metrics;

/// <summary>
/// The signing-error series, which the real daemon cannot be driven into (its start-up checks refuse a key that does
/// not load): the handler with an unusable key (as in <see cref="UnusableKeyTests"/>) and the process's metrics on.
/// Other tests may run at the same time and count too, so only growth is asserted.
/// </summary>
public sealed class SigningErrorMetricsTests
{
    [Fact]
    public async Task An_unusable_key_counts_as_a_signing_error()
    {
        var metrics = new DaemonMetrics();
        var previous = DaemonMetrics.Current;
        DaemonMetrics.Current = metrics;
        try
        {
            await using var rig = HandlerRig.Start(HandlerRig.Tables + "RequireSafeKeys no\n",
                "bad._domainkey.example.com example.com:bad:{dir}/" + TestKeys.GarbageFile + "\n", "*@example.com bad._domainkey.example.com\n");
            await using var mta = await rig.ConnectAsync();

            var outcome = await mta.SendAsync(TestMessage.Create(), "QMET1");

            Assert.StartsWith("451 4.7.0 ", outcome.ReplyText, StringComparison.Ordinal);
            string text = await ScrapeAsync(metrics);
            Assert.True(Value(text, "dkim_milter_messages_signed_total{result=\"key_unusable\"}") >= 1, text);
            Assert.True(Value(text, "dkim_milter_errors_total{kind=\"signing\"}") >= 1, text);
        }
        finally
        {
            DaemonMetrics.Current = previous;
        }
    }

    private static double Value(string text, string series) =>
        double.Parse(text.Split('\n').Single(line => line.StartsWith(series + " ", StringComparison.Ordinal))[(series.Length + 1)..],
            System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> ScrapeAsync(DaemonMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

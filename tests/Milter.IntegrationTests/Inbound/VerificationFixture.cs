using System.Diagnostics;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// Our daemon behind Postfix with the shared configuration (default On-* actions: everything is accepted). Sends a
/// valid, a body-tampered, an unknown-selector and a forged-results message in one SMTP session, then the
/// DNS-timeout message in a session of its own, timed.
/// </summary>
public sealed class VerificationFixture : InboundFixture
{
    private DaemonSide? _side;
    private SideRun? _run;

    /// <summary>The messages sent together in the first session.</summary>
    public static IReadOnlyList<string> SessionCases { get; } =
        [InboundCorpus.ValidRelaxedSimple, InboundCorpus.BodyTampered, InboundCorpus.KeyNxDomain, InboundCorpus.ForgedResults];

    internal DaemonSide Side => _side ?? throw new InvalidOperationException("not started");

    internal SideRun Run => _run ?? throw new InvalidOperationException("not started");

    /// <summary>How long the DNS-timeout message's SMTP session took, connect to QUIT.</summary>
    public TimeSpan TimeoutSessionDuration { get; private set; }

    protected override async Task StartAsync()
    {
        _side = await DaemonSide.StartAsync(SideDirectory("dkim-milter"), Dns, [InboundConfiguration.AlwaysAddARHeader]);
        _run = new SideRun(_side);
        await _run.SendAsync(SessionCases.Select(name => Corpus[name]).ToArray());

        var clock = Stopwatch.StartNew();
        await _run.SendAsync(Corpus[InboundCorpus.DnsTimeout]);
        TimeoutSessionDuration = clock.Elapsed;

        await _run.CollectAsync();
    }

    protected override async Task StopAsync()
    {
        if (_side is not null)
        {
            await _side.DisposeAsync();
        }
    }
}

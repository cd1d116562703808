namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// Our daemon and the real OpenDKIM, each behind its own Postfix, with the same configuration and the same DNS;
/// the same messages go to both in one SMTP session each, at the same time, before the tests look.
/// </summary>
public abstract class TwoSidedFixture : InboundFixture
{
    private DaemonSide? _ours;
    private OpenDkimSide? _openDkim;
    private SideRun? _ourRun;
    private SideRun? _openDkimRun;

    /// <summary>The cases sent to both sides (in this order).</summary>
    public abstract IReadOnlyList<string> Cases { get; }

    /// <summary>opendkim.conf lines both sides get on top of <see cref="InboundConfiguration.Common"/>.</summary>
    protected virtual IReadOnlyList<string> ConfigurationLines => [InboundConfiguration.AlwaysAddARHeader];

    internal SideRun Ours => _ourRun ?? throw new InvalidOperationException("not started");

    internal SideRun OpenDkim => _openDkimRun ?? throw new InvalidOperationException("not started");

    protected override async Task StartAsync()
    {
        var ours = DaemonSide.StartAsync(SideDirectory("dkim-milter"), Dns, ConfigurationLines);
        var openDkim = OpenDkimSide.StartAsync(SideDirectory("opendkim"), Dns, ConfigurationLines);
        try
        {
            await Task.WhenAll(ours, openDkim);
        }
        finally
        {
            // Keep whichever started, so StopAsync stops it even if the other failed.
            _ours = ours.IsCompletedSuccessfully ? ours.Result : null;
            _openDkim = openDkim.IsCompletedSuccessfully ? openDkim.Result : null;
        }

        _ourRun = new SideRun(_ours!);
        _openDkimRun = new SideRun(_openDkim!);
        var messages = Cases.Select(name => Corpus[name]).ToArray();
        if (messages.Length > 0)
        {
            await Task.WhenAll(_ourRun.SendAsync(messages), _openDkimRun.SendAsync(messages));
            await Task.WhenAll(_ourRun.CollectAsync(), _openDkimRun.CollectAsync());
        }
    }

    protected override async Task StopAsync()
    {
        try
        {
            if (_ours is not null)
            {
                await _ours.DisposeAsync();
            }
        }
        finally
        {
            if (_openDkim is not null)
            {
                await _openDkim.DisposeAsync();
            }
        }
    }
}

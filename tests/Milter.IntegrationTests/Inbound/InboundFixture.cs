using Milter.IntegrationTests.Dns;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// What every inbound test class starts and stops for itself: a temp directory, the loopback DNS server with
/// <see cref="InboundKeys"/> published, and the corpus signed by dkimpy. A subclass starts its sides (daemon,
/// OpenDKIM, their Postfixes) in <see cref="StartAsync"/> and stops them in <see cref="StopAsync"/>.
/// </summary>
public abstract class InboundFixture : IAsyncLifetime
{
    private LoopbackDnsServer? _dns;
    private InboundCorpus? _corpus;

    protected string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("milter-inbound-").FullName;

    internal LoopbackDnsServer Dns => _dns ?? throw new InvalidOperationException("not started");

    public InboundCorpus Corpus => _corpus ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _dns = await LoopbackDnsServer.StartAsync();
        var keys = InboundKeys.Generate();
        _corpus = await InboundCorpus.CreateAsync(keys);
        keys.Publish(_dns, _corpus.Ed25519Public);
        await StartAsync();
    }

    public async Task DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (_dns is not null)
            {
                await _dns.DisposeAsync();
            }

            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>Starts the sides and sends what the tests look at.</summary>
    protected abstract Task StartAsync();

    /// <summary>Stops whatever <see cref="StartAsync"/> started (also after it failed half-way).</summary>
    protected abstract Task StopAsync();

    /// <summary>A sub-directory for one side's files.</summary>
    protected string SideDirectory(string name) => Path.Combine(Directory, name);
}

using Microsoft.Extensions.Logging;
using Milter.IntegrationTests.Handler;

namespace Milter.IntegrationTests.DnsFaults;

/// <summary>Hands one <see cref="RecordingLogger"/> to every category, so the protocol engine's lines (a session
/// closed on a malformed packet) are recorded next to the handler's.</summary>
internal sealed class RecordingLoggerFactory(RecordingLogger logger) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => logger;

    public void AddProvider(ILoggerProvider provider)
    {
        // Everything goes to the one recording logger; other providers are not wanted in a test.
    }

    public void Dispose()
    {
        // The recording logger belongs to the rig.
    }
}

using Milter.Fuzzing.Support;

namespace Milter.Fuzzing.Targets;

/// <summary>
/// A whole milter session with the daemon's real <c>DkimMilterHandler</c> (see <see cref="DkimRig"/>): a byte
/// stream from a loopback client gets its From: example.com mail signed, from any other client verified. Nothing
/// may log an error or an exception (a handler failure, a signing or verification error: each would tempfail mail
/// because of our own bug), and every answer must be a valid reply packet.
/// </summary>
public sealed class DkimSessionTarget : IFuzzTarget, IDisposable
{
    private readonly ProblemLogger _log = new(IsWithheldActionFailure);
    private readonly Lazy<DkimRig> _rig = new(DkimRig.Create);

    /// <inheritdoc />
    public string Name => "dkim-session";

    /// <inheritdoc />
    public string EntryPoint => "MilterSession.RunAsync with the daemon's DkimMilterHandler (sign example.com, verify the rest)";

    /// <inheritdoc />
    public IReadOnlyList<Type> BadInputExceptions { get; } = [];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        _log.Clear();
        using var handler = _rig.Value.CreateHandler(_log);
        var output = InMemorySession.Run(input.ToArray(), handler, _log);
        _log.ThrowIfAny("the DKIM milter");
        InMemorySession.ReadReplies(output);
    }

    /// <summary>
    /// An MTA that does not offer the quarantine action makes end of message throw when a message is to be
    /// quarantined (the message is tempfailed with a "handler failed" error: safe, nothing passes unsigned). The
    /// header actions themselves are required at negotiation since the dkim-session finding (docs/reliability/
    /// fuzzing.md); quarantine is only needed by some configurations. Looked past so the run goes deeper.
    /// </summary>
    internal static bool IsWithheldActionFailure(Exception exception) =>
        exception is InvalidOperationException && exception.Message.EndsWith("which was not negotiated with the MTA", StringComparison.Ordinal);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_rig.IsValueCreated)
        {
            _rig.Value.Dispose();
        }
    }
}

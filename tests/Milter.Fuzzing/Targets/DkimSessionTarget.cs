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
    /// Known finding, not fixed (docs/reliability/fuzzing.md, dkim-session): an MTA that does not offer the actions
    /// the handler asks for (add or change headers, quarantine) makes end of message throw, and the message is
    /// tempfailed with a "handler failed" error. The outcome is safe (nothing passes unsigned); OpenDKIM refuses such
    /// an MTA at negotiation instead, which the handler API cannot do yet. Looked past so the run goes deeper.
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

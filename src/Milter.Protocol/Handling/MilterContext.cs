using Milter.Protocol.Commands;

namespace Milter.Protocol.Handling;

/// <summary>
/// The state of one milter connection that handlers may read: negotiation, macros, the SMTP client, and the
/// modifications collector for end of message.
/// </summary>
public sealed class MilterContext
{
    private readonly Func<CancellationToken, ValueTask> _sendProgress;

    internal MilterContext(long sessionId, string peer, Func<CancellationToken, ValueTask> sendProgress)
    {
        SessionId = sessionId;
        Peer = peer;
        _sendProgress = sendProgress;
    }

    /// <summary>A number unique to this milter connection within the process, for log lines.</summary>
    public long SessionId { get; }

    /// <summary>The MTA end of the milter connection (e.g. "127.0.0.1:41234" or the socket path).</summary>
    public string Peer { get; }

    /// <summary>The outcome of OPTNEG; null until negotiated.</summary>
    public NegotiatedProtocol? Negotiated { get; internal set; }

    /// <summary>Macros received so far, with libmilter's per-stage rules.</summary>
    public MacroStore Macros { get; } = new();

    /// <summary>The SMTP client as CONNECT described it; null before CONNECT.</summary>
    public ConnectCommand? Connection { get; internal set; }

    /// <summary>The HELO/EHLO argument; null before HELO.</summary>
    public string? HeloName { get; internal set; }

    /// <summary>Modifications for the current message; usable only during end of message.</summary>
    public MessageModifications Modifications { get; } = new();

    /// <summary>Tells the MTA we are still working (restarts its timer). Usable during any step.</summary>
    public ValueTask SendProgressAsync(CancellationToken cancellationToken = default) => _sendProgress(cancellationToken);

    internal void ResetConnection()
    {
        Connection = null;
        HeloName = null;
        Macros.Clear();
    }
}

using Milter.Configuration.Policy;
using Milter.Dkim.Signing;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Dkim;

/// <summary>What one message in a session has collected so far, and the DKIM work started for it.</summary>
internal sealed class MessageState : IDisposable
{
    /// <summary>Envelope recipients (RCPT TO), as the MTA sent them.</summary>
    public List<string> Recipients { get; } = [];

    /// <summary>Header fields in message order, values exactly as in the message (after the colon).</summary>
    public List<(string Name, byte[] RawValue)> Headers { get; } = [];

    /// <summary>Bytes of header block so far, counted as OpenDKIM counts them for MaximumHeaders.</summary>
    public long HeaderBytes { get; set; }

    /// <summary>The header block went over MaximumHeaders and On-Security is quarantine: no more fields are kept,
    /// nothing is signed or verified, and the message is quarantined at end of message.</summary>
    public bool QuarantineOversizedHeaders { get; set; }

    /// <summary>The sign-or-verify decision, made at end of headers.</summary>
    public PolicyDecision? Decision { get; set; }

    /// <summary>The sender address the decision was made for.</summary>
    public string? Sender { get; set; }

    /// <summary>One signing operation per chosen key.</summary>
    public List<(SigningKeyChoice Choice, SigningOperation Operation)> Signings { get; } = [];

    /// <summary>A key that could not be used, found at end of headers; its On-SignatureError applies at end of
    /// message, where every action (quarantine included) can be carried out.</summary>
    public string? UnusableKey { get; set; }

    /// <summary>The verification, when verifying.</summary>
    public VerificationOperation? Verification { get; set; }

    public void Dispose()
    {
        foreach (var (_, operation) in Signings)
        {
            operation.Dispose();
        }

        Signings.Clear();
        Verification?.Dispose();
        Verification = null;
    }
}

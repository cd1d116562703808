namespace Milter.Dkim.Verification;

/// <summary>Verification policy.</summary>
/// <remarks>
/// Secure defaults: rsa-sha1 never passes (RFC 8301); RSA keys under 1024 bits are <c>policy</c> (OpenDKIM's
/// MinimumKeyBits); at most 3 signatures per message are evaluated, from the top, because each costs a DNS
/// query (OpenDKIM's MaximumSignaturesToVerify).
/// </remarks>
public sealed record DkimVerifierOptions
{
    /// <summary>Smallest RSA key accepted (bits).</summary>
    public int MinimumKeyBits { get; init; } = 1024;

    /// <summary>Tolerance for t= in the future and x= in the past (OpenDKIM's ClockDrift, 300 s).</summary>
    public TimeSpan ClockDrift { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How many signatures to evaluate, from the top of the message.</summary>
    public int MaximumSignatures { get; init; } = 3;

    /// <summary>The clock for t= and x=.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

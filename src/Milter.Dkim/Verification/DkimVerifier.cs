namespace Milter.Dkim.Verification;

/// <summary>
/// Verifies messages against keys from an <see cref="IDkimKeyResolver"/>. Thread-safe and reusable: each message
/// gets its own <see cref="VerificationOperation"/>.
/// </summary>
public sealed class DkimVerifier
{
    /// <summary>Creates a verifier.</summary>
    public DkimVerifier(IDkimKeyResolver resolver, DkimVerifierOptions? options = null)
    {
        Resolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
        Options = options ?? new DkimVerifierOptions();
    }

    /// <summary>Where keys come from.</summary>
    public IDkimKeyResolver Resolver { get; }

    /// <summary>The policy.</summary>
    public DkimVerifierOptions Options { get; }

    /// <summary>Starts verifying one message.</summary>
    public VerificationOperation Begin() => new(this);
}

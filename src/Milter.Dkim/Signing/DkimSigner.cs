using Milter.Dkim.Keys;

namespace Milter.Dkim.Signing;

/// <summary>
/// Signs messages with one key and one set of options. Thread-safe and reusable: each message gets its own
/// <see cref="SigningOperation"/> from <see cref="Begin"/>.
/// </summary>
public sealed class DkimSigner
{
    /// <summary>Creates a signer.</summary>
    public DkimSigner(DkimPrivateKey key, DkimSigningOptions options)
    {
        Key = key ?? throw new ArgumentNullException(nameof(key));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        if (key.Algorithm == DkimAlgorithm.RsaSha1)
        {
            throw new ArgumentException("rsa-sha1 must not be used for signing (RFC 8301)", nameof(key));
        }
    }

    /// <summary>The key.</summary>
    public DkimPrivateKey Key { get; }

    /// <summary>The options.</summary>
    public DkimSigningOptions Options { get; }

    /// <summary>Starts signing one message.</summary>
    public SigningOperation Begin() => new(this);
}

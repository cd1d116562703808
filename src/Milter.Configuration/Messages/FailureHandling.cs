namespace Milter.Configuration.Messages;

/// <summary>
/// The On-* settings: which <see cref="FailureAction"/> each kind of problem gets. On-Default, when set, replaces
/// every default first and the specific On-* settings then override it, wherever they stand in the file
/// (opendkim.conf(5): "processed before the other On- values so it can be used as a blanket setting followed by
/// specific overrides"; measured the same).
/// <para>
/// Defaults are what OpenDKIM 2.11 does, measured, where that differs from what its manual says: a DNS failure
/// is accepted (the manual says tempfail, but OpenDKIM never applies On-DNSError), and a message that cannot be
/// signed is tempfailed (the manual says reject, but OpenDKIM tempfails on a bad key whatever On-SignatureError
/// says). Set explicitly, both are honoured here; On-Default does not cover On-DNSError (with OpenDKIM it never
/// did, and a blanket "reject" must not bounce good mail for a passing DNS problem). On-Security applies to one
/// thing in OpenDKIM 2.11, a header block over MaximumHeaders (measured: tempfail by default, reject with
/// On-Security reject or On-Default reject, accept with On-Security accept).
/// </para>
/// </summary>
public sealed record FailureHandling
{
    /// <summary>On-BadSignature: a signature did not verify.</summary>
    public FailureAction BadSignature { get; init; } = FailureAction.Accept;

    /// <summary>On-DNSError: a key look-up failed temporarily.</summary>
    public FailureAction DnsError { get; init; } = FailureAction.Accept;

    /// <summary>On-InternalError: our own error (a bug, resources).</summary>
    public FailureAction InternalError { get; init; } = FailureAction.TempFail;

    /// <summary>On-KeyNotFound: the signing key is not in DNS.</summary>
    public FailureAction KeyNotFound { get; init; } = FailureAction.Accept;

    /// <summary>On-NoSignature: the message carries no signature.</summary>
    public FailureAction NoSignature { get; init; } = FailureAction.Accept;

    /// <summary>On-SignatureError: a message that should be signed cannot be (bad key, bad message).</summary>
    public FailureAction SignatureError { get; init; } = FailureAction.TempFail;

    /// <summary>On-Security: a message that is a danger to the milter itself (a header block over MaximumHeaders).</summary>
    public FailureAction Security { get; init; } = FailureAction.TempFail;

    /// <summary>The defaults (OpenDKIM's behaviour).</summary>
    public static FailureHandling Default { get; } = new();

    /// <summary>Reads the On-* settings; values were checked by the option validator, an unreadable one keeps its default.</summary>
    public static FailureHandling From(ConfigFile config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var handling = Default;
        if (Read(config, "On-Default") is { } blanket)
        {
            handling = new FailureHandling
            {
                BadSignature = blanket,
                InternalError = blanket,
                KeyNotFound = blanket,
                NoSignature = blanket,
                SignatureError = blanket,
                Security = blanket,
            };
        }

        return handling with
        {
            BadSignature = Read(config, "On-BadSignature") ?? handling.BadSignature,
            DnsError = Read(config, "On-DNSError") ?? handling.DnsError,
            InternalError = Read(config, "On-InternalError") ?? handling.InternalError,
            KeyNotFound = Read(config, "On-KeyNotFound") ?? handling.KeyNotFound,
            NoSignature = Read(config, "On-NoSignature") ?? handling.NoSignature,
            SignatureError = Read(config, "On-SignatureError") ?? handling.SignatureError,
            Security = Read(config, "On-Security") ?? handling.Security,
        };
    }

    private static FailureAction? Read(ConfigFile config, string name) =>
        config.GetString(name) is { } text && FailureActions.TryParse(text, out var action) ? action : null;
}

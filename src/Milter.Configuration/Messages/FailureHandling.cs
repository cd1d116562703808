namespace Milter.Configuration.Messages;

/// <summary>
/// The On-* settings: which <see cref="FailureAction"/> each kind of problem gets. Defaults are OpenDKIM's;
/// On-Default, when set, replaces every default first and the specific On-* settings then override it
/// (opendkim.conf(5): "processed before the other On- values so it can be used as a blanket setting followed by
/// specific overrides").
/// </summary>
public sealed record FailureHandling
{
    /// <summary>On-BadSignature: a signature did not verify.</summary>
    public FailureAction BadSignature { get; init; } = FailureAction.Accept;

    /// <summary>On-DNSError: a key look-up failed temporarily.</summary>
    public FailureAction DnsError { get; init; } = FailureAction.TempFail;

    /// <summary>On-InternalError: our own error (a bug, resources).</summary>
    public FailureAction InternalError { get; init; } = FailureAction.TempFail;

    /// <summary>On-KeyNotFound: the signing key is not in DNS.</summary>
    public FailureAction KeyNotFound { get; init; } = FailureAction.Accept;

    /// <summary>On-NoSignature: the message carries no signature.</summary>
    public FailureAction NoSignature { get; init; } = FailureAction.Accept;

    /// <summary>On-Security: the message has properties that are a security concern.</summary>
    public FailureAction Security { get; init; } = FailureAction.TempFail;

    /// <summary>On-SignatureError: a message that should be signed cannot be (bad key, bad message).</summary>
    public FailureAction SignatureError { get; init; } = FailureAction.Reject;

    /// <summary>OpenDKIM's defaults.</summary>
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
                DnsError = blanket,
                InternalError = blanket,
                KeyNotFound = blanket,
                NoSignature = blanket,
                Security = blanket,
                SignatureError = blanket,
            };
        }

        return handling with
        {
            BadSignature = Read(config, "On-BadSignature") ?? handling.BadSignature,
            DnsError = Read(config, "On-DNSError") ?? handling.DnsError,
            InternalError = Read(config, "On-InternalError") ?? handling.InternalError,
            KeyNotFound = Read(config, "On-KeyNotFound") ?? handling.KeyNotFound,
            NoSignature = Read(config, "On-NoSignature") ?? handling.NoSignature,
            Security = Read(config, "On-Security") ?? handling.Security,
            SignatureError = Read(config, "On-SignatureError") ?? handling.SignatureError,
        };
    }

    private static FailureAction? Read(ConfigFile config, string name) =>
        config.GetString(name) is { } text && FailureActions.TryParse(text, out var action) ? action : null;
}

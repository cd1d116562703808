namespace Milter.Configuration.Options;

/// <summary>
/// The kinds of values opendkim.conf options take, with the syntax OpenDKIM 2.11 accepts (checked with
/// <c>opendkim -n</c> and start-up runs; <see cref="OptionValueChecker"/> has the details).
/// </summary>
public enum OptionType
{
    /// <summary>First character <c>T t Y y 1</c> or <c>F f N n 0</c>.</summary>
    Boolean,
    /// <summary>strtol base 0: decimal, <c>0</c> octal, <c>0x</c> hex, optional minus; must fit a C int.</summary>
    Number,
    /// <summary>Any text (file names, host names, addresses...).</summary>
    Text,
    /// <summary>A dataset (<c>file:</c>, <c>refile:</c>, <c>csl:</c>...): checked when loaded (DatasetParser).</summary>
    Dataset,
    /// <summary>The On-* actions: <c>accept discard quarantine reject tempfail</c> or their first letters, any case.</summary>
    Action,
    /// <summary><c>simple</c> or <c>relaxed</c>, optionally <c>/simple</c> or <c>/relaxed</c> for the body; any case.</summary>
    Canonicalization,
    /// <summary>Letters <c>s</c> (sign) and <c>v</c> (verify), lower case.</summary>
    Mode,
    /// <summary><c>user[:group]</c>.</summary>
    UserAndGroup,
    /// <summary><c>n/t[u]</c>: n restarts per t seconds, or minutes, hours, days with unit <c>s m h d</c> (any case).</summary>
    Rate,
    /// <summary>A milter socket: <c>inet:PORT[@HOST]</c>, <c>inet6:PORT[@HOST]</c>, <c>local:/path</c> or <c>unix:/path</c>.</summary>
    Socket,
    /// <summary><c>rsa-sha256</c> or <c>ed25519-sha256</c>, any case (<c>rsa-sha1</c> is refused: RFC 8301).</summary>
    SignatureAlgorithm,
    /// <summary>BogusKey and UnprotectedKey: <c>neutral</c>, <c>none</c> or <c>fail</c>, any case.</summary>
    KeyAction,
    /// <summary>ATPSHashAlgorithm: <c>sha1</c>, <c>sha256</c> or <c>none</c>, any case.</summary>
    AtpsHashAlgorithm,
    /// <summary>Minimum: <c>n</c> bytes, <c>n%</c> (0-100) or <c>n+</c>, n decimal.</summary>
    MinimumSigned,
}

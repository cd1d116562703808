using Milter.Configuration.Datasets;
using Milter.Dkim;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Signing;

namespace Milter.Configuration.Messages;

/// <summary>
/// How signatures are made: Canonicalization, SignatureAlgorithm, SignHeaders, OmitHeaders, OversignHeaders,
/// SignatureTTL, MaximumSignedBytes, RemoveOldSignatures, and which header names the sender (SenderHeaders).
/// </summary>
public sealed record SigningSettings
{
    /// <summary>c=; OpenDKIM's default is simple/simple ("relaxed" alone means relaxed/simple).</summary>
    public Canonicalizations Canonicalization { get; init; } = Canonicalizations.Default;

    /// <summary>SignatureAlgorithm for RSA keys (an Ed25519 key always signs ed25519-sha256).</summary>
    public DkimAlgorithm Algorithm { get; init; } = DkimAlgorithm.RsaSha256;

    /// <summary>SignHeaders: the names eligible for signing.</summary>
    public IReadOnlyList<string> SignedHeaders { get; init; } = DefaultSignedHeaders.Eligible.ToList();

    /// <summary>OmitHeaders: names never signed.</summary>
    public IReadOnlyList<string> OmittedHeaders { get; init; } = DefaultSignedHeaders.Omitted.ToList();

    /// <summary>OversignHeaders: names signed once more than present.</summary>
    public IReadOnlyList<string> OversignedHeaders { get; init; } = [];

    /// <summary>SignatureTTL: x= this long after t=; null: no x=.</summary>
    public TimeSpan? SignatureLifetime { get; init; }

    /// <summary>MaximumSignedBytes: sign at most this many body bytes (adds l=).</summary>
    public long? MaximumSignedBytes { get; init; }

    /// <summary>RemoveOldSignatures: delete existing DKIM-Signature fields from mail we sign.</summary>
    public bool RemoveOldSignatures { get; init; }

    /// <summary>SenderHeaders: the headers that name the sender, in order of preference.</summary>
    public IReadOnlyList<string> SenderHeaders { get; init; } = ["From"];

    /// <summary>Reads the settings; values were checked by the option validator, dataset problems go to <paramref name="problems"/>.</summary>
    public static SigningSettings From(ConfigFile config, ICollection<ConfigurationException> problems)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(problems);
        Dataset? Load(string name)
        {
            try
            {
                return config.Find(name) is { } entry ? DatasetParser.Load(entry) : null;
            }
            catch (ConfigurationException ex)
            {
                problems.Add(ex);
                return null;
            }
        }

        var settings = new SigningSettings();
        if (config.GetString("Canonicalization") is { } canonicalization && Canonicalizations.TryParse(canonicalization.ToLowerInvariant(), out var parsed))
        {
            settings = settings with { Canonicalization = parsed.Value };
        }

        if (config.GetString("SignatureAlgorithm") is { } algorithmText && DkimAlgorithms.TryParse(algorithmText.ToLowerInvariant(), out var algorithm))
        {
            settings = settings with { Algorithm = algorithm };
        }

        long ttl = config.GetInteger("SignatureTTL", 0);
        long maximumSigned = config.GetInteger("MaximumSignedBytes", 0);
        var signed = HeaderNameList.From(Load("SignHeaders"), DefaultSignedHeaders.Eligible);
        return settings with
        {
            // RFC 6376 §5.4: From MUST be signed; OpenDKIM adds it back when a SignHeaders list leaves it out.
            SignedHeaders = signed.Contains("From", StringComparer.OrdinalIgnoreCase) ? signed : [.. signed, "From"],
            OmittedHeaders = HeaderNameList.From(Load("OmitHeaders"), DefaultSignedHeaders.Omitted)
                .Where(name => !name.Equals("From", StringComparison.OrdinalIgnoreCase)).ToList(),
            OversignedHeaders = HeaderNameList.From(Load("OversignHeaders"), []),
            SignatureLifetime = ttl > 0 ? TimeSpan.FromSeconds(ttl) : null,
            MaximumSignedBytes = maximumSigned > 0 ? maximumSigned : null,
            RemoveOldSignatures = config.GetBoolean("RemoveOldSignatures", false),
            SenderHeaders = HeaderNameList.From(Load("SenderHeaders"), ["From"]),
        };
    }
}

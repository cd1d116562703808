using Milter.Configuration.Datasets;

namespace Milter.Configuration.Messages;

/// <summary>
/// How mail is verified and reported: MaximumSignaturesToVerify, MinimumKeyBits, ClockDrift and the
/// Authentication-Results settings (AuthservID, AlwaysAddARHeader, KeepAuthResults, RemoveARAll, RemoveARFrom).
/// DNS (Nameservers, DNSTimeout) belongs to the daemon's resolver.
/// </summary>
public sealed record VerificationSettings
{
    /// <summary>MaximumSignaturesToVerify: how many signatures, from the top, are evaluated.</summary>
    public int MaximumSignatures { get; init; } = 3;

    /// <summary>MinimumKeyBits: smaller RSA keys give <c>policy</c>.</summary>
    public int MinimumKeyBits { get; init; } = 1024;

    /// <summary>ClockDrift: tolerance for t= in the future and x= in the past.</summary>
    public TimeSpan ClockDrift { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>AuthservID; null: the MTA's <c>j</c> macro, else "unknown-host". "HOSTNAME" is resolved by the caller.</summary>
    public string? AuthservId { get; init; }

    /// <summary>AlwaysAddARHeader: report <c>dkim=none</c> on unsigned mail too.</summary>
    public bool AlwaysAddResultsToUnsigned { get; init; }

    /// <summary>KeepAuthResults: keep incoming Authentication-Results that claim our authserv-id.</summary>
    public bool KeepAuthResults { get; init; }

    /// <summary>RemoveARAll: remove every incoming Authentication-Results field.</summary>
    public bool RemoveAllAuthResults { get; init; }

    /// <summary>RemoveARFrom: authserv-ids (host names, or ".domain" for a whole domain) whose fields are removed too.</summary>
    public IReadOnlyList<string> RemoveAuthResultsFrom { get; init; } = [];

    /// <summary>Reads the settings; values were checked by the option validator, dataset problems go to <paramref name="problems"/>.</summary>
    public static VerificationSettings From(ConfigFile config, ICollection<ConfigurationException> problems)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(problems);
        IReadOnlyList<string> removeFrom = [];
        if (config.Find("RemoveARFrom") is { } removeFromEntry)
        {
            try
            {
                removeFrom = DatasetParser.Load(removeFromEntry).Keys.ToList();
            }
            catch (ConfigurationException ex)
            {
                problems.Add(ex);
            }
        }

        return new VerificationSettings
        {
            MaximumSignatures = (int)Math.Clamp(config.GetInteger("MaximumSignaturesToVerify", 3), 0, int.MaxValue),
            MinimumKeyBits = (int)Math.Clamp(config.GetInteger("MinimumKeyBits", 1024), 0, int.MaxValue),
            ClockDrift = TimeSpan.FromSeconds(Math.Max(0, config.GetInteger("ClockDrift", 300))),
            AuthservId = config.GetString("AuthservID"),
            AlwaysAddResultsToUnsigned = config.GetBoolean("AlwaysAddARHeader", false),
            KeepAuthResults = config.GetBoolean("KeepAuthResults", false),
            RemoveAllAuthResults = config.GetBoolean("RemoveARAll", false),
            RemoveAuthResultsFrom = removeFrom,
        };
    }

    /// <summary>True when an incoming field with <paramref name="authservId"/> is to be removed by RemoveARFrom
    /// (the full host name, or a ".domain" entry covering it).</summary>
    public bool RemovesFrom(string authservId)
    {
        ArgumentNullException.ThrowIfNull(authservId);
        return RemoveAuthResultsFrom.Any(entry => entry.StartsWith('.')
            ? authservId.EndsWith(entry, StringComparison.OrdinalIgnoreCase)
            : authservId.Equals(entry, StringComparison.OrdinalIgnoreCase));
    }
}

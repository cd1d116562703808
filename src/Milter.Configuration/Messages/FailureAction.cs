namespace Milter.Configuration.Messages;

/// <summary>What to do with a message when something goes wrong (OpenDKIM's On-* values).</summary>
public enum FailureAction
{
    /// <summary>Deliver it (verification results still go into Authentication-Results).</summary>
    Accept,
    /// <summary>Accept it and throw it away.</summary>
    Discard,
    /// <summary>Accept it into the MTA's hold queue.</summary>
    Quarantine,
    /// <summary>Refuse it permanently (5xx).</summary>
    Reject,
    /// <summary>Refuse it temporarily (4xx): the sender retries later.</summary>
    TempFail,
}

/// <summary>Reading On-* values.</summary>
public static class FailureActions
{
    /// <summary>accept, discard, quarantine, reject, tempfail, or their first letters (case-insensitive).</summary>
    public static bool TryParse(string? text, out FailureAction action)
    {
        action = FailureAction.Accept;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        // OpenDKIM looks only at the first letter, but also refuses nothing; we accept the word or its letter.
        string[] names = ["accept", "discard", "quarantine", "reject", "tempfail"];
        for (int i = 0; i < names.Length; i++)
        {
            if (text.Equals(names[i], StringComparison.OrdinalIgnoreCase) || text.Equals(names[i][..1], StringComparison.OrdinalIgnoreCase))
            {
                action = (FailureAction)i;
                return true;
            }
        }

        return false;
    }

    /// <summary>The word, as written in opendkim.conf.</summary>
    public static string ToConfigValue(this FailureAction action) => action switch
    {
        FailureAction.Accept => "accept",
        FailureAction.Discard => "discard",
        FailureAction.Quarantine => "quarantine",
        FailureAction.Reject => "reject",
        FailureAction.TempFail => "tempfail",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };
}

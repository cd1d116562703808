namespace Milter.IntegrationTests.Dns;

/// <summary>
/// A forged UDP response <see cref="LoopbackDnsServer"/> sends just before the real one, as an off-path attacker
/// racing the real server would: the resolver must not take it for the answer.
/// </summary>
public enum LoopbackDnsForgery
{
    /// <summary>No forged response.</summary>
    None,
    /// <summary>The forged response carries another message ID than the query's.</summary>
    WrongId,
    /// <summary>The forged response has the query's ID but answers (question and records) for another name.</summary>
    WrongName,
}

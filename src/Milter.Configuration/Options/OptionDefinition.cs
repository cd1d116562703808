namespace Milter.Configuration.Options;

/// <summary>
/// One opendkim.conf option: its value type, OpenDKIM's default (as documentation; null when unset means
/// "off" or "none"), and what it means for this build to ignore it while it is not implemented.
/// </summary>
/// <param name="Name">The option, in OpenDKIM's spelling.</param>
/// <param name="Type">What values it takes.</param>
/// <param name="Default">OpenDKIM's default, in words or as a value.</param>
/// <param name="WhenIgnored">Error or Warning while the option is not in <see cref="ImplementedOptions"/>.</param>
/// <param name="Why">Why that severity: what ignoring it would change, or why it changes nothing that matters.</param>
public sealed record OptionDefinition(string Name, OptionType Type, string? Default, IgnoredOptionSeverity WhenIgnored, string Why)
{
    /// <summary>True when this project acts on the option (<see cref="ImplementedOptions"/>).</summary>
    public bool IsImplemented => ImplementedOptions.Names.Contains(Name);
}

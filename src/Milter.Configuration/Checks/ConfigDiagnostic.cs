namespace Milter.Configuration.Checks;

/// <summary>A finding about the configuration, with where it is and how to fix it.</summary>
public sealed record ConfigDiagnostic(bool IsError, string File, int Line, string Problem, string? Hint = null)
{
    /// <summary>From a parse error.</summary>
    public static ConfigDiagnostic From(ConfigurationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(true, exception.File, exception.Line, exception.Problem, exception.Hint);
    }

    /// <summary>"FILE: configuration error at line N: problem (hint)", OpenDKIM's wording for errors.</summary>
    public override string ToString() =>
        $"{File}: {(IsError ? "configuration error" : "warning")} at line {Line}: {Problem}" + (Hint is null ? "" : $" ({Hint})");
}

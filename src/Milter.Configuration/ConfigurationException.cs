namespace Milter.Configuration;

/// <summary>
/// A mistake in a configuration file, with where it is and, when we can tell, how to fix it. The daemon prints
/// it at start-up and exits with status 78 (EX_CONFIG), as OpenDKIM does.
/// </summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigurationException(string file, int line, string problem, string? hint = null)
        : base(Format(file, line, problem, hint))
    {
        File = file;
        Line = line;
        Problem = problem;
        Hint = hint;
    }

    /// <summary>Required by CA1032.</summary>
    public ConfigurationException() : this("?", 0, "configuration error") { }

    /// <summary>Required by CA1032.</summary>
    public ConfigurationException(string message) : this("?", 0, message) { }

    /// <summary>Required by CA1032.</summary>
    public ConfigurationException(string message, Exception innerException) : base(message, innerException)
    {
        File = "?";
        Problem = message;
    }

    /// <summary>The file the mistake is in.</summary>
    public string File { get; }

    /// <summary>1-based line number; 0 when the problem is the file itself.</summary>
    public int Line { get; }

    /// <summary>What is wrong, in OpenDKIM's words where it has some ("unrecognized parameter").</summary>
    public string Problem { get; }

    /// <summary>How to fix it, if we know.</summary>
    public string? Hint { get; }

    private static string Format(string file, int line, string problem, string? hint) =>
        $"{file}: configuration error at line {line}: {problem}" + (hint is null ? "" : $" ({hint})");
}

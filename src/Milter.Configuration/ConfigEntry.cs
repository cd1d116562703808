namespace Milter.Configuration;

/// <summary>One <c>Name value</c> line of a configuration file, with where it came from.</summary>
public sealed record ConfigEntry(string Name, string Value, string File, int Line);

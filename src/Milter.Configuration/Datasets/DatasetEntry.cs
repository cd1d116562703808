namespace Milter.Configuration.Datasets;

/// <summary>One entry of a dataset: a key and its value (empty when the line holds only a key), with where it came from.</summary>
public sealed record DatasetEntry(string Key, string Value, string Source, int Line);

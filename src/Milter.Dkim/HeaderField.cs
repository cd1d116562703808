namespace Milter.Dkim;

/// <summary>
/// One header field as the message carries it: <see cref="RawValue"/> is every byte after the colon (leading
/// whitespace included), with CRLF line breaks where the field is folded.
/// </summary>
public readonly record struct HeaderField(string Name, ReadOnlyMemory<byte> RawValue);

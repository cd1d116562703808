namespace Milter.Protocol.Handling;

/// <summary>
/// One header field as it stands in the message: <see cref="RawValue"/> is every byte after the colon, leading
/// whitespace included, with CRLF line breaks in folded values. So <c>Name ":" RawValue CRLF</c> is the header
/// exactly as the message carries it (what DKIM's simple canonicalization needs).
/// </summary>
public readonly record struct MilterHeader(string Name, ReadOnlyMemory<byte> RawValue);

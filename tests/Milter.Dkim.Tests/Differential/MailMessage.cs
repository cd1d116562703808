using System.Globalization;
using System.Text;
using Milter.Dkim.Canonicalization;

namespace Milter.Dkim.Tests.Differential;

/// <summary>One header field: the name, and every byte after the colon (CRLF inside where folded, no final CRLF).</summary>
internal sealed record RawField(string Name, byte[] Value);

/// <summary>A message as fields and body, so that a test can point at a byte of a field value, name or the body.</summary>
internal sealed class MailMessage
{
    public MailMessage(IEnumerable<RawField> fields, byte[] body)
    {
        Fields = [.. fields];
        Body = body;
    }

    public List<RawField> Fields { get; }

    public byte[] Body { get; }

    public byte[] ToBytes()
    {
        var output = new MemoryStream();
        foreach (var field in Fields)
        {
            output.Write(Encoding.ASCII.GetBytes(field.Name + ":"));
            output.Write(field.Value);
            output.Write("\r\n"u8);
        }

        output.Write("\r\n"u8);
        output.Write(Body);
        return output.ToArray();
    }

    public MailMessage WithFieldOnTop(RawField field) => new([field, .. Fields], Body);

    /// <summary>Parses the "Name: value\r\n" line dkimpy's sign returns into a field.</summary>
    public static RawField ParseField(byte[] line)
    {
        int colon = Array.IndexOf(line, (byte)':');
        int end = line.Length;
        if (end >= 2 && line[end - 2] == '\r' && line[end - 1] == '\n')
        {
            end -= 2;
        }

        return new RawField(Encoding.ASCII.GetString(line, 0, colon), line[(colon + 1)..end]);
    }
}

/// <summary>How a message is signed (the same parameters for us and for dkimpy).</summary>
internal sealed record SigningProfile
{
    public required DkimAlgorithm Algorithm { get; init; }

    public required Canonicalizations Canonicalization { get; init; }

    /// <summary>None: no l=. Full: l= the whole body. Limit: ours signs only <see cref="Limit"/> bytes (dkimpy, which
    /// cannot, states the whole body).</summary>
    public required BodyLengthMode BodyLength { get; init; }

    public long Limit { get; init; }

    /// <summary>Header names eligible for signing (given to our signer as SignedHeaders).</summary>
    public required IReadOnlyList<string> SignedNames { get; init; }

    /// <summary>What the same choice means for dkimpy's include_headers: the eligible names present, in message order.</summary>
    public required IReadOnlyList<string> DkimpyHeaders { get; init; }

    public IReadOnlyList<string> Oversigned { get; init; } = [];

    public string? Identity { get; init; }

    public required string Domain { get; init; }

    public string Selector => Algorithm == DkimAlgorithm.Ed25519Sha256 ? "ed25519" : "rsa2048";

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"a={Algorithm.ToTagValue()} c={Canonicalization} l={BodyLength}{(BodyLength == BodyLengthMode.Limit ? ":" + Limit : "")} d={Domain} i={Identity ?? "(none)"} oversign=[{string.Join(',', Oversigned)}]");
}

internal enum BodyLengthMode
{
    None,
    Full,
    Limit,
}

/// <summary>Features of a generated message, counted to show that the corpus covers them.</summary>
[Flags]
internal enum Shape
{
    None = 0,
    FoldedHeader = 1 << 0,
    WhitespaceHeavyHeader = 1 << 1,
    DuplicateHeader = 1 << 2,
    Utf8Header = 1 << 3,
    Utf8Body = 1 << 4,
    EmptyBody = 1 << 5,
    TrailingBlankLines = 1 << 6,
    LongLine = 1 << 7,
    BareCarriageReturn = 1 << 8,
    WhitespaceHeavyBody = 1 << 9,
    UnterminatedLastLine = 1 << 10,
    HeaderNameCase = 1 << 11,
    EmptyOrBlankHeaderValue = 1 << 12,
    LongHeaderLine = 1 << 13,
    TrailingWhitespaceLines = 1 << 14,
    DuplicateFrom = 1 << 15,
}

internal sealed record GeneratedMessage(int Index, MailMessage Message, SigningProfile Profile, Shape Shapes);

/// <summary>Escapes bytes for assertion messages: printable ASCII as is, everything else as \r \n \t \\ or \xNN, with a
/// real line break after each escaped CRLF so that a message stays readable.</summary>
internal static class Escaping
{
    public static string Escape(ReadOnlySpan<byte> bytes, int maximum = 12000)
    {
        var text = new StringBuilder(bytes.Length + 64);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (text.Length > maximum)
            {
                text.Append(CultureInfo.InvariantCulture, $"... ({bytes.Length - i} more bytes)");
                break;
            }

            byte b = bytes[i];
            switch (b)
            {
                case (byte)'\r' when i + 1 < bytes.Length && bytes[i + 1] == '\n':
                    text.Append("\\r\\n\n");
                    i++;
                    break;
                case (byte)'\r':
                    text.Append("\\r");
                    break;
                case (byte)'\n':
                    text.Append("\\n");
                    break;
                case (byte)'\t':
                    text.Append("\\t");
                    break;
                case (byte)'\\':
                    text.Append("\\\\");
                    break;
                case >= 0x20 and < 0x7F:
                    text.Append((char)b);
                    break;
                default:
                    text.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
                    break;
            }
        }

        return text.ToString();
    }
}

using System.Text;

namespace Milter.Dkim.Signing;

/// <summary>
/// A DKIM-Signature field ready to insert. <see cref="RawValue"/> is the message form (leading space, CRLF+TAB
/// folding); a milter converts it for the wire (bare LF folding, the leading space only with HDR_LEADSPC).
/// </summary>
public sealed record SignatureHeader(string Name, string Value)
{
    /// <summary>The value as message bytes, leading space included.</summary>
    public byte[] RawValue => Encoding.ASCII.GetBytes(Value);

    /// <summary>The value without its leading space.</summary>
    public byte[] RawValueWithoutLeadingSpace => Encoding.ASCII.GetBytes(Value.TrimStart(' '));

    /// <summary>The whole field as it appears in the message, without the final CRLF.</summary>
    public override string ToString() => $"{Name}:{Value}";
}

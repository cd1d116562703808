using System.Text;

namespace Milter.Protocol.Wire;

/// <summary>
/// How the protocol's 8-bit strings become .NET strings, decided in one place. Envelope addresses, host names
/// and macro values are UTF-8 (SMTPUTF8 mail); invalid sequences become U+FFFD rather than failing the
/// session. Header names are Latin-1 so that any byte survives a round trip. Header values and body bytes are
/// never decoded here.
/// </summary>
public static class MilterEncoding
{
    /// <summary>Envelope, host and macro strings.</summary>
    public static Encoding Text { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Header field names.</summary>
    public static Encoding HeaderName { get; } = Encoding.Latin1;
}

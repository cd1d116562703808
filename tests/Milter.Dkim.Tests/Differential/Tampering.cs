using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Milter.Dkim.Canonicalization;

namespace Milter.Dkim.Tests.Differential;

internal enum TamperKind
{
    /// <summary>A non-whitespace body byte becomes another printable non-whitespace byte.</summary>
    BodyByte,
    /// <summary>A body space becomes a tab or the reverse: equivalent under relaxed only.</summary>
    BodyWhitespace,
    /// <summary>A non-whitespace byte in the value of a signed header field.</summary>
    SignedHeaderByte,
    /// <summary>A space/tab swap in a signed header value: equivalent under relaxed only.</summary>
    SignedHeaderWhitespace,
    /// <summary>A letter of a signed header's name changes case: equivalent under relaxed only.</summary>
    SignedHeaderNameCase,
    /// <summary>A non-whitespace byte in a header field h= does not cover.</summary>
    UnsignedHeaderByte,
    /// <summary>A non-whitespace byte of the DKIM-Signature outside the b= value (the field signs itself).</summary>
    SignatureTagByte,
    /// <summary>A b= character becomes another base64 character.</summary>
    SignatureValueByte,
}

/// <summary>A single-byte change of a signed message and whether a correct verifier must still pass it.</summary>
internal sealed record Tamper(TamperKind Kind, int Field, int Offset, byte From, byte To, bool ExpectPass, byte[] Message)
{
    /// <summary>Where, for assertion messages.</summary>
    public string Describe(MailMessage signed) => Field < 0
        ? string.Create(CultureInfo.InvariantCulture, $"{Kind} at body offset {Offset}: 0x{From:X2} -> 0x{To:X2} ('{Escaping.Escape([From])}' -> '{Escaping.Escape([To])}'), expected {(ExpectPass ? "pass" : "fail")}")
        : string.Create(CultureInfo.InvariantCulture,
            $"{Kind} in field #{Field} ({signed.Fields[Field].Name}) at {(Kind == TamperKind.SignedHeaderNameCase ? "name" : "value")} offset {Offset}: 0x{From:X2} -> 0x{To:X2} ('{Escaping.Escape([From])}' -> '{Escaping.Escape([To])}'), expected {(ExpectPass ? "pass" : "fail")}");
}

/// <summary>
/// Picks single-byte tampers of a signed message (field 0 is the DKIM-Signature) and computes, without our
/// library, what a correct verifier must say: header tampers from the h= list and the header canonicalization;
/// body tampers by comparing the canonical bodies (RFC-literal reference below) up to l=.
/// </summary>
internal static class Tampering
{
    private static readonly byte[] Printable = [.. Enumerable.Range(0x21, 0x7E - 0x21 + 1).Select(b => (byte)b)];
    private const string Base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <param name="bodyOffsetAllowed">Body offsets that may be changed (null: all); MimeKit's tests keep MIME structure
    /// (boundary lines, part headers) intact.</param>
    public static List<Tamper> Pick(Random random, MailMessage signed, IReadOnlyCollection<string> signedNames, Canonicalizations canonicalization, long? bodyLength, int count,
        Func<int, bool>? bodyOffsetAllowed = null)
    {
        var tampers = new List<Tamper>(count);
        var signature = signed.Fields[0];
        var (bStart, bEnd) = SignatureValueRange(signature.Value);
        var signedFields = Enumerable.Range(1, signed.Fields.Count - 1).Where(i => signedNames.Contains(signed.Fields[i].Name, StringComparer.OrdinalIgnoreCase)).ToList();
        var unsignedFields = Enumerable.Range(1, signed.Fields.Count - 1).Except(signedFields).ToList();
        bool relaxedHeaders = canonicalization.Header == CanonicalizationAlgorithm.Relaxed;
        for (int attempt = 0; tampers.Count < count && attempt < count * 20; attempt++)
        {
            var kind = random.Next(100) switch
            {
                < 25 => TamperKind.BodyByte,
                < 35 => TamperKind.BodyWhitespace,
                < 58 => TamperKind.SignedHeaderByte,
                < 66 => TamperKind.SignedHeaderWhitespace,
                < 71 => TamperKind.SignedHeaderNameCase,
                < 77 => TamperKind.UnsignedHeaderByte,
                < 90 => TamperKind.SignatureTagByte,
                _ => TamperKind.SignatureValueByte,
            };
            Tamper? tamper = kind switch
            {
                TamperKind.BodyByte or TamperKind.BodyWhitespace => BodyTamper(random, signed, kind, canonicalization.Body, bodyLength, bodyOffsetAllowed),
                TamperKind.SignedHeaderByte => ValueTamper(random, signed, kind, signedFields, whitespace: false, expectPass: false),
                TamperKind.SignedHeaderWhitespace => ValueTamper(random, signed, kind, signedFields, whitespace: true, expectPass: relaxedHeaders),
                TamperKind.UnsignedHeaderByte => ValueTamper(random, signed, kind, unsignedFields, whitespace: false, expectPass: true),
                TamperKind.SignedHeaderNameCase => NameTamper(random, signed, signedFields, expectPass: relaxedHeaders),
                TamperKind.SignatureTagByte => SignatureTamper(random, signed, bStart, bEnd),
                _ => SignatureValueTamper(random, signed, bStart, bEnd),
            };
            if (tamper is not null)
            {
                tampers.Add(tamper);
            }
        }

        return tampers;
    }

    private static Tamper? BodyTamper(Random random, MailMessage signed, TamperKind kind, CanonicalizationAlgorithm canonicalization, long? bodyLength,
        Func<int, bool>? allowed)
    {
        bool whitespace = kind == TamperKind.BodyWhitespace;
        int offset = PickOffset(random, signed.Body, 0, signed.Body.Length, whitespace, allowed);
        if (offset < 0)
        {
            return null;
        }

        byte from = signed.Body[offset];
        byte to = Replacement(random, from, whitespace);
        byte[] body = (byte[])signed.Body.Clone();
        body[offset] = to;
        byte[] before = ReferenceCanonicalizer.Body(signed.Body, canonicalization);
        byte[] after = ReferenceCanonicalizer.Body(body, canonicalization);
        int limit = (int)Math.Min(bodyLength ?? long.MaxValue, int.MaxValue);
        bool expectPass = after.Length >= Math.Min(limit, before.Length)
            && before.AsSpan(0, Math.Min(limit, before.Length)).SequenceEqual(after.AsSpan(0, Math.Min(limit, after.Length)));
        return new Tamper(kind, -1, offset, from, to, expectPass, new MailMessage(signed.Fields, body).ToBytes());
    }

    private static Tamper? ValueTamper(Random random, MailMessage signed, TamperKind kind, List<int> candidates, bool whitespace, bool expectPass)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        int field = candidates[random.Next(candidates.Count)];
        byte[] value = signed.Fields[field].Value;
        int offset = PickOffset(random, value, 0, value.Length, whitespace);
        return offset < 0 ? null : Replace(random, signed, kind, field, offset, whitespace, expectPass);
    }

    private static Tamper? NameTamper(Random random, MailMessage signed, List<int> candidates, bool expectPass)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        int field = candidates[random.Next(candidates.Count)];
        string name = signed.Fields[field].Name;
        var letters = Enumerable.Range(0, name.Length).Where(i => char.IsAsciiLetter(name[i])).ToList();
        int offset = letters[random.Next(letters.Count)];
        char from = name[offset];
        char to = char.IsAsciiLetterUpper(from) ? char.ToLowerInvariant(from) : char.ToUpperInvariant(from);
        var fields = new List<RawField>(signed.Fields);
        fields[field] = fields[field] with { Name = string.Concat(name.AsSpan(0, offset), to.ToString(), name.AsSpan(offset + 1)) };
        return new Tamper(TamperKind.SignedHeaderNameCase, field, offset, (byte)from, (byte)to, expectPass, new MailMessage(fields, signed.Body).ToBytes());
    }

    private static Tamper? SignatureTamper(Random random, MailMessage signed, int bStart, int bEnd)
    {
        byte[] value = signed.Fields[0].Value;
        // Anywhere before or after the b= value; the choice of side is weighted by length.
        int offset = random.Next(value.Length - (bEnd - bStart));
        if (offset >= bStart)
        {
            offset += bEnd - bStart;
        }

        if (IsWhitespace(value[offset]) || value[offset] is (byte)'\r' or (byte)'\n')
        {
            offset = PickOffset(random, value, 0, bStart, whitespace: false);
        }

        return offset < 0 ? null : Replace(random, signed, TamperKind.SignatureTagByte, 0, offset, whitespace: false, expectPass: false);
    }

    /// <summary>b= is not hashed, so a change passes only if it decodes to the same signature bytes: base64 is
    /// malleable in the unused low bits of the last character before padding, which a lenient decoder (dkimpy's
    /// and .NET's) ignores. One in four of these tampers aims at that character on purpose.</summary>
    private static Tamper? SignatureValueTamper(Random random, MailMessage signed, int bStart, int bEnd)
    {
        byte[] value = signed.Fields[0].Value;
        var characters = Enumerable.Range(bStart, bEnd - bStart).Where(i => Base64Alphabet.Contains((char)value[i], StringComparison.Ordinal)).ToList();
        if (characters.Count == 0)
        {
            return null;
        }

        int offset = random.Next(4) == 0 ? characters[^1] : characters[random.Next(characters.Count)];
        byte from = value[offset];
        byte to;
        do
        {
            to = (byte)Base64Alphabet[random.Next(64)];
        }
        while (to == from);

        if (random.Next(2) == 0 && offset == characters[^1])
        {
            // Same high bits, different unused low bits (only for a final character carrying 2 or 4 data bits).
            int index = Base64Alphabet.IndexOf((char)from, StringComparison.Ordinal);
            int unusedBits = (characters.Count % 4) switch { 2 => 4, 3 => 2, _ => 0 };
            if (unusedBits > 0)
            {
                int mask = (1 << unusedBits) - 1;
                to = (byte)Base64Alphabet[(index & ~mask) | ((index + 1 + random.Next(mask)) & mask)];
            }
        }

        byte[] tampered = (byte[])value.Clone();
        tampered[offset] = to;
        string Compact(byte[] bytes) => Regex.Replace(Encoding.ASCII.GetString(bytes, bStart, bEnd - bStart), @"\s+", "");
        bool same = TryDecode(Compact(value), out byte[]? original) && TryDecode(Compact(tampered), out byte[]? changed) && original.AsSpan().SequenceEqual(changed);
        var fields = new List<RawField>(signed.Fields) { [0] = signed.Fields[0] with { Value = tampered } };
        return new Tamper(TamperKind.SignatureValueByte, 0, offset, from, to, same, new MailMessage(fields, signed.Body).ToBytes());
    }

    private static bool TryDecode(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? bytes)
    {
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = null;
            return false;
        }
    }

    private static Tamper Replace(Random random, MailMessage signed, TamperKind kind, int field, int offset, bool whitespace, bool expectPass)
    {
        byte[] value = (byte[])signed.Fields[field].Value.Clone();
        byte from = value[offset];
        byte to = Replacement(random, from, whitespace);
        value[offset] = to;
        var fields = new List<RawField>(signed.Fields) { [field] = signed.Fields[field] with { Value = value } };
        return new Tamper(kind, field, offset, from, to, expectPass, new MailMessage(fields, signed.Body).ToBytes());
    }

    /// <summary>A random offset in [start, end) holding whitespace (SP, HTAB) or, if not <paramref name="whitespace"/>,
    /// anything but whitespace, CR and LF; -1 if there is none.</summary>
    private static int PickOffset(Random random, byte[] bytes, int start, int end, bool whitespace, Func<int, bool>? allowed = null)
    {
        var candidates = new List<int>();
        for (int i = start; i < end; i++)
        {
            if ((allowed is null || allowed(i)) && (whitespace ? bytes[i] is (byte)' ' or (byte)'\t' : !IsWhitespace(bytes[i]) && bytes[i] is not ((byte)'\r' or (byte)'\n')))
            {
                candidates.Add(i);
            }
        }

        return candidates.Count == 0 ? -1 : candidates[random.Next(candidates.Count)];
    }

    private static byte Replacement(Random random, byte from, bool whitespace)
    {
        if (whitespace)
        {
            return from == (byte)' ' ? (byte)'\t' : (byte)' ';
        }

        byte to;
        do
        {
            to = Printable[random.Next(Printable.Length)];
        }
        while (to == from);

        return to;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t';

    /// <summary>The b= value of a DKIM-Signature field value: [start, end) from after "b=" to the next ';' or the end.</summary>
    public static (int Start, int End) SignatureValueRange(byte[] value)
    {
        int start = 0;
        while (start < value.Length)
        {
            int end = Array.IndexOf(value, (byte)';', start);
            if (end < 0)
            {
                end = value.Length;
            }

            int equals = Array.IndexOf(value, (byte)'=', start, end - start);
            if (equals >= 0 && Encoding.ASCII.GetString(value, start, equals - start).Trim(' ', '\t', '\r', '\n') == "b")
            {
                return (equals + 1, end);
            }

            start = end + 1;
        }

        throw new InvalidOperationException("no b= in the signature");
    }

    /// <summary>The l= value of a DKIM-Signature field value, if any.</summary>
    public static long? BodyLength(byte[] value)
    {
        var match = Regex.Match(Encoding.ASCII.GetString(value), @"(?:^|;)\s*l\s*=\s*(\d+)\s*(?:;|$)");
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }
}

/// <summary>
/// RFC 6376 §3.4.3 and §3.4.4 read literally, over the whole body at once with regular expressions: the oracle for
/// body tamper expectations (independent of the streaming canonicalizers under test).
/// </summary>
internal static class ReferenceCanonicalizer
{
    public static byte[] Body(byte[] body, CanonicalizationAlgorithm algorithm)
    {
        // Latin-1 maps bytes to chars one to one.
        string text = Encoding.Latin1.GetString(body);
        if (algorithm == CanonicalizationAlgorithm.Relaxed)
        {
            // Per line (only CRLF ends a line): drop WSP at the end, reduce WSP runs to one SP.
            var lines = text.Split("\r\n");
            for (int i = 0; i < lines.Length; i++)
            {
                lines[i] = Regex.Replace(Regex.Replace(lines[i], "[ \t]+$", ""), "[ \t]+", " ");
            }

            text = string.Join("\r\n", lines);
        }

        // Drop trailing empty lines; end with CRLF (relaxed: an empty body stays empty).
        while (text.EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            text = text[..^2];
        }

        if (text == "\r\n" && algorithm == CanonicalizationAlgorithm.Relaxed)
        {
            text = "";
        }

        if (!text.EndsWith("\r\n", StringComparison.Ordinal) && (text.Length > 0 || algorithm == CanonicalizationAlgorithm.Simple))
        {
            text += "\r\n";
        }

        return Encoding.Latin1.GetBytes(text);
    }
}

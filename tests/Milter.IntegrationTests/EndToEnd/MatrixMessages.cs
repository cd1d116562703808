namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// The messages of the canonicalization matrix, each the shape that breaks naive signers: folding, tabs, 8-bit
/// text, trailing blank lines, long lines, no body. The odd header shapes sit in fields the default SignHeaders
/// list signs (Subject, Cc, Reply-To, References, List-*): an X- field would not be in h= and prove nothing. All
/// are from the seed's domain and carry X-Test-Case, which says which delivery is which.
/// </summary>
internal static class MatrixMessages
{
    public const string Sender = "signer@shjtest.o-r.kr";

    public const string Recipient = "anyone@receiver.example";

    /// <summary>
    /// Header fields without the usual single space after the colon. At milter_protocol 2 Postfix eats one space
    /// after the colon before the milter sees the value (milter8.c, "Sendmail by default eats one space"), so no
    /// milter can tell "X:v" from "X: v" there: with simple header canonicalization such a message cannot be signed
    /// correctly at version 2 by anyone. Version 6 (HDR_LEADSPC) and relaxed headers must get it right.
    /// </summary>
    public const string NoSpaceAfterColon = "no-space-after-colon";

    private static readonly string LongText = string.Concat(Enumerable.Range(0, 90).Select(i => $"word{i % 10:D1}xyz "));

    private static readonly string LongReferences = string.Join(' ', Enumerable.Range(0, 30).Select(i => $"<reference-{i:D4}@shjtest.o-r.kr>"));

    /// <summary>
    /// About 300 KB: Postfix hands a body to the milter in chunks of at most 65535 bytes, so the canonicalizers see
    /// lines, whitespace runs and CRLFs cut at chunk boundaries. Line lengths vary so that the cuts fall in
    /// different places; blank and whitespace-only lines run through the middle and the end.
    /// </summary>
    private static readonly string LargeBody = string.Concat(Enumerable.Range(0, 4000).Select(i => (i % 7) switch
    {
        0 => "\r\n",
        1 => " \t \r\n",
        _ => $"line {i:D4}\t{new string('z', i % 97)}  {new string('y', (i * 31) % 113)} \r\n",
    })) + "the end\r\n\r\n \r\n\r\n";

    /// <summary>Every case by name: its text (CRLF) and the signed header fields that carry its odd shapes.</summary>
    private static readonly Dictionary<string, (string Text, string[] Shaped)> Cases = new(StringComparer.Ordinal)
    {
        ["folded-headers"] = (Headers("folded-headers",
            "Subject: a subject folded\r\n over three\r\n\tlines\r\n" +
            "References: <first@shjtest.o-r.kr>\r\n    <second@shjtest.o-r.kr>   <third@shjtest.o-r.kr>\r\n\t\t<fourth@shjtest.o-r.kr>\r\n" +
            "Cc: one@receiver.example,\r\n\ttwo@receiver.example\r\n" +
            "List-Help:\r\n") +
            "Body of the folded-headers case.\r\n",
            ["Subject", "References", "Cc", "List-Help"]),
        ["tabs-and-trailing-space"] = (Headers("tabs-and-trailing-space",
            "Subject: tabs\tinside\t\tthe value\r\n" +
            "Reply-To: Signer\t<signer@shjtest.o-r.kr> \t\r\n" +
            "List-Id: a    b \t c <list.shjtest.o-r.kr>  \r\n") +
            "col1\tcol2\t\tcol3\r\n" +
            "trailing spaces   \r\n" +
            "\tleading tab\r\n" +
            "  two  spaces  inside  \r\n" +
            " \t \r\n" +
            "last line\r\n",
            ["Subject", "Reply-To", "List-Id"]),
        ["utf8"] = (Headers("utf8",
            "Subject: Grüße aus Köln, 日本語の件名\r\n" +
            "List-Id: Liste für Ünïcödé <utf8.shjtest.o-r.kr>\r\n") +
            "Grüße aus Köln — ça marche, naïve café.\r\n" +
            "日本語のテキストと絵文字 📧✉️\r\n" +
            "Ünïcödé at the end\r\n",
            ["Subject", "List-Id"]),
        ["trailing-blank-lines"] = (Headers("trailing-blank-lines", "Subject: trailing blank lines\r\n") +
            "Text before the blank lines.\r\n" +
            "\r\n" +
            "Text after one blank line.\r\n" +
            "\r\n \r\n\t\r\n\r\n\r\n\r\n",
            ["Subject"]),
        ["long-lines"] = (Headers("long-lines",
            $"Subject: {LongText}end\r\n" +
            $"References: {LongReferences}\r\n") +
            $"{LongText}end\r\n" +
            $"{new string('x', 990)}\r\n" +
            "short line\r\n",
            ["Subject", "References"]),
        ["large-body"] = (Headers("large-body", "Subject: a body of several milter BODY chunks\r\n") + LargeBody, ["Subject"]),
        ["empty-body"] = (Headers("empty-body", "Subject: an empty body\r\n"), ["Subject"]),
        ["headers-only"] = (Headers("headers-only", "Subject: no blank line, no body\r\n", separator: ""), ["Subject"]),
        ["dot-lines"] = (Headers("dot-lines", "Subject: lines starting with dots\r\n") +
            ".\r\n" +
            "..two dots\r\n" +
            ".one dot\r\n" +
            "end\r\n",
            ["Subject"]),
        [NoSpaceAfterColon] = (Headers(NoSpaceAfterColon,
            "Subject:no space after the colon\r\n" +
            "Cc:\tone@receiver.example\r\n" +
            "Reply-To:  Signer <signer@shjtest.o-r.kr>\r\n") +
            "Body of the no-space case.\r\n",
            ["Subject", "Cc", "Reply-To"]),
    };

    /// <summary>The cases every configuration must sign so that dkimpy verifies them.</summary>
    public static IReadOnlyList<string> Portable { get; } = Cases.Keys.Where(name => name != NoSpaceAfterColon).ToList();

    public static IReadOnlyList<string> All { get; } = [.. Cases.Keys];

    /// <summary>The message text (CRLF) of one case.</summary>
    public static string Text(string name) => Cases[name].Text;

    /// <summary>The fields with the case's odd shapes, which the signature must cover (they are in SignHeaders' default).</summary>
    public static IReadOnlyList<string> ShapedHeaders(string name) => Cases[name].Shaped;

    /// <summary>The header block (with <paramref name="separator"/>, the empty line, after it).</summary>
    private static string Headers(string name, string specific, string separator = "\r\n") =>
        $"From: Signer <{Sender}>\r\n" +
        $"To: {Recipient}\r\n" +
        "Date: Mon, 07 Oct 2024 12:00:00 +0900\r\n" +
        $"Message-ID: <{name}@shjtest.o-r.kr>\r\n" +
        specific +
        $"X-Test-Case: {name}\r\n" +
        separator;
}

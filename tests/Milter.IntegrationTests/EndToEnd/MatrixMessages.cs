namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// The messages of the canonicalization matrix, each the shape that breaks naive signers: folding, tabs, 8-bit
/// text, trailing blank lines, long lines, no body. All are from the seed's domain and carry X-Test-Case, which
/// says which delivery is which.
/// </summary>
internal static class MatrixMessages
{
    public const string Sender = "signer@shjtest.o-r.kr";

    public const string Recipient = "anyone@receiver.example";

    /// <summary>The cases every configuration must sign so that dkimpy verifies them.</summary>
    public static IReadOnlyList<string> Portable { get; } =
        ["folded-headers", "tabs-and-trailing-space", "utf8", "trailing-blank-lines", "long-lines", "empty-body", "headers-only", "dot-lines"];

    /// <summary>
    /// Header fields without the usual single space after the colon. At milter_protocol 2 Postfix eats one space
    /// after the colon before the milter sees the value (milter8.c, "Sendmail by default eats one space"), so no
    /// milter can tell "X:v" from "X: v" there: with simple header canonicalization such a message cannot be signed
    /// correctly at version 2 by anyone. Version 6 (HDR_LEADSPC) and relaxed headers must get it right.
    /// </summary>
    public const string NoSpaceAfterColon = "no-space-after-colon";

    public static IReadOnlyList<string> All { get; } = [.. Portable, NoSpaceAfterColon];

    private static readonly string LongText = string.Concat(Enumerable.Range(0, 90).Select(i => $"word{i % 10:D1}xyz "));

    /// <summary>The message text (CRLF) of one case.</summary>
    public static string Text(string name) => name switch
    {
        "folded-headers" => Headers(name,
            "Subject: a subject folded\r\n over three\r\n\tlines\r\n" +
            "X-Folded: first\r\n    second   with  spaces\r\n\t\tthird\r\n" +
            "X-Empty:\r\n") +
            "Body of the folded-headers case.\r\n",
        "tabs-and-trailing-space" => Headers(name,
            "Subject: tabs\tinside\t\tthe value\r\n" +
            "X-Trailing: value with trailing space and tab \t\r\n" +
            "X-Inner-Space: a    b \t c\r\n") +
            "col1\tcol2\t\tcol3\r\n" +
            "trailing spaces   \r\n" +
            "\tleading tab\r\n" +
            "  two  spaces  inside  \r\n" +
            " \t \r\n" +
            "last line\r\n",
        "utf8" => Headers(name,
            "Subject: Grüße aus Köln, 日本語の件名\r\n") +
            "Grüße aus Köln — ça marche, naïve café.\r\n" +
            "日本語のテキストと絵文字 📧✉️\r\n" +
            "Ünïcödé at the end\r\n",
        "trailing-blank-lines" => Headers(name, "Subject: trailing blank lines\r\n") +
            "Text before the blank lines.\r\n" +
            "\r\n" +
            "Text after one blank line.\r\n" +
            "\r\n \r\n\t\r\n\r\n\r\n\r\n",
        "long-lines" => Headers(name,
            "Subject: long lines\r\n" +
            $"X-Long: {LongText}end\r\n") +
            $"{LongText}end\r\n" +
            $"{new string('x', 990)}\r\n" +
            "short line\r\n",
        "empty-body" => Headers(name, "Subject: an empty body\r\n"),
        "headers-only" => Headers(name, "Subject: no blank line, no body\r\n", separator: ""),
        "dot-lines" => Headers(name, "Subject: lines starting with dots\r\n") +
            ".\r\n" +
            "..two dots\r\n" +
            ".one dot\r\n" +
            "end\r\n",
        NoSpaceAfterColon => Headers(name,
            "Subject:no space after the colon\r\n" +
            "X-Tab:\tvalue after a tab\r\n" +
            "X-Two-Spaces:  value after two spaces\r\n") +
            "Body of the no-space case.\r\n",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such matrix message"),
    };

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

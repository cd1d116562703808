using Milter.IntegrationTests.EndToEnd;

namespace Milter.IntegrationTests.HeaderShapes;

/// <summary>
/// What follows the colon of every signed header field of one test message. At milter protocol 2 Postfix removes
/// one space there (never a tab) before the milter sees the value, and the milter has to rebuild it; at 6 with
/// HDR_LEADSPC it sees the bytes. <see cref="AmbiguousAtVersion2"/> marks the shapes whose wire form is the same
/// as a more common shape's, which no milter can rebuild (documented in docs/HEADER-SHAPES.md).
/// </summary>
internal sealed record HeaderShape(string Name, string AfterColon, bool AmbiguousAtVersion2)
{
    public const string Sender = "signer@" + DkimKey.SeedDomain;

    public const string Recipient = "anyone@receiver.example";

    /// <summary>The fields that carry the shape; the signing runs name them all in SignHeaders, so the signature covers them.</summary>
    public static IReadOnlyList<string> ShapedFields { get; } =
        ["From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "In-Reply-To", "References", "MIME-Version", "Content-Type"];

    public static IReadOnlyList<HeaderShape> All { get; } =
    [
        new("no-space", "", AmbiguousAtVersion2: true),
        new("one-space", " ", AmbiguousAtVersion2: false),
        new("two-spaces", "  ", AmbiguousAtVersion2: false),
        new("three-spaces", "   ", AmbiguousAtVersion2: false),
        new("tab", "\t", AmbiguousAtVersion2: false),
        new("two-tabs", "\t\t", AmbiguousAtVersion2: false),
        new("tab-then-space", "\t ", AmbiguousAtVersion2: false),
        new("fold-space", "\r\n ", AmbiguousAtVersion2: false),
        new("fold-tab", "\r\n\t", AmbiguousAtVersion2: false),
        new("space-then-tab", " \t", AmbiguousAtVersion2: true),
        new("space-then-fold", " \r\n ", AmbiguousAtVersion2: true),
    ];

    /// <summary>The message (CRLF) with this shape after the colon of every field in <see cref="ShapedFields"/>.</summary>
    public string Message(string direction)
    {
        string values = string.Concat(new (string Field, string Value)[]
        {
            ("From", $"Signer <{Sender}>"),
            ("To", Recipient),
            ("Cc", "copy@receiver.example"),
            ("Subject", $"header shape {Name}"),
            ("Date", "Mon, 07 Dec 2026 12:00:00 +0000"),
            ("Message-ID", $"<{Name}.{direction}@{DkimKey.SeedDomain}>"),
            ("Reply-To", Sender),
            ("In-Reply-To", $"<parent.{Name}@{DkimKey.SeedDomain}>"),
            ("References", $"<root.{Name}@{DkimKey.SeedDomain}> <parent.{Name}@{DkimKey.SeedDomain}>"),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=us-ascii"),
        }.Select(field => $"{field.Field}:{AfterColon}{field.Value}\r\n"));
        return values + $"X-Test-Case: {Name}\r\n\r\nThe {Name} case.\r\n";
    }

    /// <summary>Whether a correct milter must get it right (everything at 6; at 2 all but the ambiguous shapes).</summary>
    public bool MustVerify(int milterProtocol) => milterProtocol >= 6 || !AmbiguousAtVersion2;
}

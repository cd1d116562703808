using System.Text;
using System.Text.RegularExpressions;

namespace Milter.Protocol.Handling;

/// <summary>
/// A validated SMTP reply for SMFIR_REPLYCODE: a 4xx or 5xx code, an optional enhanced status code of the same
/// class, and one or more lines of text. Multi-line replies use "550-" continuation lines; '%' is doubled
/// because the MTA formats the text.
/// </summary>
public sealed partial record SmtpReply
{
    /// <summary>libmilter's limit on the number of lines (smfi_setmlreply).</summary>
    public const int MaxLines = 32;

    /// <summary>libmilter's limit on one line of reply text.</summary>
    public const int MaxLineLength = 980;

    private SmtpReply(int code, string text)
    {
        Code = code;
        Text = text;
    }

    /// <summary>The three-digit code.</summary>
    public int Code { get; }

    /// <summary>The complete reply text as sent to the MTA.</summary>
    public string Text { get; }

    /// <summary>True for 4xx replies.</summary>
    public bool IsTemporary => Code < 500;

    /// <summary>Builds and validates a reply.</summary>
    /// <exception cref="ArgumentException">The code, the enhanced status or a line is not acceptable.</exception>
    public static SmtpReply Create(int code, string? enhancedStatus, params string[] lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (code is < 400 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "a milter reply code must be 4xx or 5xx");
        }

        if (enhancedStatus is not null)
        {
            if (!EnhancedStatusPattern().IsMatch(enhancedStatus))
            {
                throw new ArgumentException($"'{enhancedStatus}' is not an enhanced status code like 5.7.1", nameof(enhancedStatus));
            }

            if (enhancedStatus[0] - '0' != code / 100)
            {
                throw new ArgumentException($"enhanced status {enhancedStatus} does not match the class of reply code {code}", nameof(enhancedStatus));
            }
        }

        if (lines.Length is 0 or > MaxLines)
        {
            throw new ArgumentException($"a reply needs 1 to {MaxLines} lines", nameof(lines));
        }

        var text = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i] ?? throw new ArgumentException("a reply line is null", nameof(lines));
            if (line.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                throw new ArgumentException("reply lines must not contain CR, LF or NUL", nameof(lines));
            }

            if (line.Length > MaxLineLength)
            {
                throw new ArgumentException($"a reply line is longer than {MaxLineLength} characters", nameof(lines));
            }

            if (i > 0)
            {
                text.Append("\r\n");
            }

            text.Append(code).Append(i == lines.Length - 1 ? ' ' : '-');
            if (enhancedStatus is not null)
            {
                text.Append(enhancedStatus).Append(' ');
            }

            text.Append(line.Replace("%", "%%", StringComparison.Ordinal));
        }

        return new SmtpReply(code, text.ToString());
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    // \z, not $: $ would accept a trailing line feed.
    [GeneratedRegex(@"^[45]\.[0-9]{1,3}\.[0-9]{1,3}\z")]
    private static partial Regex EnhancedStatusPattern();
}

using System.Text;
using System.Text.RegularExpressions;
using Milter.IntegrationTests.Milter;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// One <c>dkim=</c> result of an Authentication-Results field: the result word, the reason if one is given, and the
/// header.* properties that say which signature it is about.
/// </summary>
public sealed record DkimEntry(string Result, string? Reason, IReadOnlyDictionary<string, string> Properties)
{
    private static readonly string[] Identifying = ["d", "s", "a", "b"];

    /// <summary>Which signature: header.d, header.s, header.a and header.b, as written.</summary>
    public string Signature => string.Join(' ', Identifying.Select(p => $"header.{p}={Properties.GetValueOrDefault("header." + p, "-")}"));

    /// <summary>"fail reason=\"...\"" or "pass": what the parity tests compare and print.</summary>
    public override string ToString() => Reason is null ? Result : $"{Result} reason=\"{Reason}\"";
}

/// <summary>
/// An Authentication-Results field of a delivered message (RFC 8601): its text as delivered (folds as LF + TAB),
/// its authserv-id and its dkim= results in order. Enough of a parser for what OpenDKIM and we write, and for the
/// forgeries the tests plant: quoted strings may hold ';', comments are skipped.
/// </summary>
public sealed partial class ResultsField
{
    private const string FieldName = "Authentication-Results";

    private ResultsField(string text, string authservId, IReadOnlyList<DkimEntry> dkim)
    {
        Text = text;
        AuthservId = authservId;
        Dkim = dkim;
    }

    /// <summary>The whole field as delivered, e.g. "Authentication-Results: mx.test.example;\n\tdkim=pass ...".</summary>
    public string Text { get; }

    public string AuthservId { get; }

    /// <summary>The dkim= results (not dkim-atps), in the order written: one per signature.</summary>
    public IReadOnlyList<DkimEntry> Dkim { get; }

    /// <summary>Every Authentication-Results field of <paramref name="message"/>, top first.</summary>
    internal static IReadOnlyList<ResultsField> In(DeliveredMessage message) =>
        message.Fields.Where(field => field.StartsWith(FieldName + ":", StringComparison.OrdinalIgnoreCase)).Select(Parse).ToList();

    /// <summary>The fields of <paramref name="message"/> that carry <paramref name="authservId"/>.</summary>
    internal static IReadOnlyList<ResultsField> By(DeliveredMessage message, string authservId) =>
        In(message).Where(field => field.AuthservId.Equals(authservId, StringComparison.OrdinalIgnoreCase)).ToList();

    public static ResultsField Parse(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        string value = field[(field.IndexOf(':', StringComparison.Ordinal) + 1)..].Replace("\n", "", StringComparison.Ordinal);
        var parts = Split(value);
        // authserv-id [ CFWS authres-version ]
        string authservId = parts[0].Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        var dkim = new List<DkimEntry>();
        foreach (string part in parts.Skip(1).Select(p => p.Trim()))
        {
            var result = Result().Match(part);
            if (!result.Success || !result.Groups["method"].Value.Equals("dkim", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var reason = Reason().Match(part);
            var properties = Property().Matches(part).ToDictionary(m => m.Groups["name"].Value.ToLowerInvariant(), m => m.Groups["value"].Value.Trim('"'), StringComparer.Ordinal);
            dkim.Add(new DkimEntry(result.Groups["result"].Value.ToLowerInvariant(), reason.Success ? Unquote(reason.Groups[1].Value) : null, properties));
        }

        return new ResultsField(field, authservId, dkim);
    }

    public override string ToString() => Text;

    /// <summary>
    /// Splits at the ';' that separate results, dropping comments: both may appear inside a quoted string, and a
    /// comment such as "(2048-bit key; unprotected)" holds a ';' of its own.
    /// </summary>
    private static List<string> Split(string value)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        int commentDepth = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if ((quoted || commentDepth > 0) && c == '\\' && i + 1 < value.Length)
            {
                i++;
                if (quoted)
                {
                    current.Append(c).Append(value[i]);
                }

                continue;
            }

            if (commentDepth > 0)
            {
                commentDepth += c == '(' ? 1 : c == ')' ? -1 : 0;
                current.Append(commentDepth == 0 ? " " : "");
                continue;
            }

            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '(')
            {
                commentDepth = 1;
                continue;
            }
            else if (!quoted && c == ';')
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }

            current.Append(c);
        }

        parts.Add(current.ToString());
        return parts;
    }

    private static string Unquote(string quoted) => UnquoteEscape().Replace(quoted, "$1");

    [GeneratedRegex(@"^(?<method>[A-Za-z0-9-]+)\s*=\s*(?<result>[A-Za-z]+)")]
    private static partial Regex Result();

    [GeneratedRegex(@"\breason\s*=\s*""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Reason();

    [GeneratedRegex(@"\b(?<name>header\.[a-z]+)\s*=\s*(?<value>""(?:[^""\\]|\\.)*""|[^\s;]+)")]
    private static partial Regex Property();

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex UnquoteEscape();
}

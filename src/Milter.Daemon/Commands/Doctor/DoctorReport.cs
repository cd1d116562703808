using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// <c>dkim-milter doctor</c>'s output. For a person: the findings grouped by area, one line each
/// (<c>error|warning|note: SUBJECT: MESSAGE</c>), the fix indented under it, then <c>N errors, N warnings</c>.
/// With --json one object: <c>{"findings":[{"severity","area","subject","message","fix"}...],"errors":N,"warnings":N,"notes":N}</c>
/// (fix is null when there is none).
/// </summary>
internal static class DoctorReport
{
    public static void WriteText(IReadOnlyList<DoctorFinding> findings, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var group in Ordered(findings).GroupBy(f => f.Area))
        {
            output.WriteLine($"{group.Key}:");
            foreach (var finding in group)
            {
                output.WriteLine($"  {Name(finding.Severity)}: {finding.Subject}: {finding.Message}");
                foreach (var line in (finding.Fix ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    output.WriteLine($"      {(line.StartsWith("or", StringComparison.Ordinal) || line.StartsWith("and ", StringComparison.Ordinal) || line.StartsWith('(') ? "" : "fix: ")}{line}");
                }
            }
        }

        var (errors, warnings, _) = Count(findings);
        output.WriteLine($"{Plural(errors, "error")}, {Plural(warnings, "warning")}");
    }

    public static void WriteJson(IReadOnlyList<DoctorFinding> findings, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(output);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartArray("findings");
            foreach (var finding in Ordered(findings))
            {
                json.WriteStartObject();
                json.WriteString("severity", Name(finding.Severity));
                json.WriteString("area", finding.Area);
                json.WriteString("subject", finding.Subject);
                json.WriteString("message", finding.Message);
                if (finding.Fix is null)
                {
                    json.WriteNull("fix");
                }
                else
                {
                    json.WriteString("fix", finding.Fix);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            var (errors, warnings, notes) = Count(findings);
            json.WriteNumber("errors", errors);
            json.WriteNumber("warnings", warnings);
            json.WriteNumber("notes", notes);
            json.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    public static (int Errors, int Warnings, int Notes) Count(IReadOnlyList<DoctorFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        return (findings.Count(f => f.Severity == DoctorSeverity.Error), findings.Count(f => f.Severity == DoctorSeverity.Warning), findings.Count(f => f.Severity == DoctorSeverity.Note));
    }

    public static string Name(DoctorSeverity severity) => severity switch
    {
        DoctorSeverity.Error => "error",
        DoctorSeverity.Warning => "warning",
        _ => "note",
    };

    // By area in the report's order, then as found (a stable sort).
    private static IEnumerable<DoctorFinding> Ordered(IReadOnlyList<DoctorFinding> findings) =>
        findings.OrderBy(f => Array.IndexOf(DoctorFinding.Areas, f.Area) is var i && i < 0 ? int.MaxValue : i);

    private static string Plural(int count, string noun) =>
        $"{count.ToString(CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";
}

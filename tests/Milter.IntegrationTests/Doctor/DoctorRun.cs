using System.Text.Json;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Doctor;

/// <summary>One finding of <c>dkim-milter doctor --json</c>.</summary>
internal sealed record DoctorJsonFinding(string Severity, string Area, string Subject, string Message, string? Fix)
{
    public override string ToString() => $"{Severity} [{Area}] {Subject}: {Message}{(Fix is null ? "" : $" => {Fix}")}";
}

/// <summary>What <c>dkim-milter doctor --json</c> printed, read back.</summary>
internal sealed record DoctorRun(ProcessResult Process, IReadOnlyList<DoctorJsonFinding> Findings, int Errors, int Warnings)
{
    public static DoctorRun Parse(ProcessResult process)
    {
        ArgumentNullException.ThrowIfNull(process);
        using var json = JsonDocument.Parse(process.StandardOutput);
        var findings = json.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => new DoctorJsonFinding(
                f.GetProperty("severity").GetString()!,
                f.GetProperty("area").GetString()!,
                f.GetProperty("subject").GetString()!,
                f.GetProperty("message").GetString()!,
                f.GetProperty("fix").ValueKind == JsonValueKind.Null ? null : f.GetProperty("fix").GetString()))
            .ToList();
        return new DoctorRun(process, findings, json.RootElement.GetProperty("errors").GetInt32(), json.RootElement.GetProperty("warnings").GetInt32());
    }

    /// <summary>Errors and warnings (what makes the exit status 1).</summary>
    public IEnumerable<DoctorJsonFinding> Problems => Findings.Where(f => f.Severity is "error" or "warning");

    /// <summary>The one finding of that severity and area whose subject is <paramref name="subject"/>; fails with the whole report otherwise.</summary>
    public DoctorJsonFinding Single(string severity, string area, string subject)
    {
        var matches = Findings.Where(f => f.Severity == severity && f.Area == area && f.Subject == subject).ToList();
        Assert.True(matches.Count == 1, $"expected one {severity} in {area} about {subject}, found {matches.Count}:\n{this}");
        return matches[0];
    }

    public override string ToString() => $"exit {Process.ExitCode}\n{string.Join('\n', Findings)}\n--- stderr ---\n{Process.StandardError}";
}

using Milter.Configuration;
using Milter.Daemon.Startup;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// <c>dkim-milter doctor</c>: checks Postfix's settings, the milter's configuration, the key files and DNS
/// together, and reports each problem with the exact line to change (docs/DOCTOR.md).
/// Exit status: 0 no error and no warning, 1 at least one, 64 a bad command line.
/// </summary>
internal static class DoctorCommand
{
    /// <summary>Something to fix was found.</summary>
    public const int ProblemsFound = 1;

    public const string Usage = """
        usage: dkim-milter doctor [-x configfile] [--postfix-config DIR] [--json]
          -x FILE                the milter's configuration (default /etc/opendkim.conf)
          --postfix-config DIR   Postfix's configuration directory, as postconf -c DIR (default: postconf's own)
          --json                 the findings as one JSON object
        Checks Postfix's milter settings and master.cf, the milter's Socket and configuration, the socket's
        permissions for Postfix's mail_owner, a live OPTNEG with the milter, and each key's DNS record, SPF and DMARC.
        Exit status: 0 nothing to fix, 1 errors or warnings found, 64 usage.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        DoctorOptions options;
        try
        {
            options = DoctorOptions.Parse(args);
        }
        catch (FormatException ex)
        {
            error.WriteLine($"dkim-milter doctor: {ex.Message}");
            error.WriteLine(Usage);
            return ExitCodes.Usage;
        }

        if (options.Help)
        {
            output.WriteLine(Usage);
            return ExitCodes.Success;
        }

        var findings = await CheckAsync(options);
        if (options.Json)
        {
            DoctorReport.WriteJson(findings, output);
        }
        else
        {
            DoctorReport.WriteText(findings, output);
        }

        var (errors, warnings, _) = DoctorReport.Count(findings);
        return errors + warnings > 0 ? ProblemsFound : ExitCodes.Success;
    }

    /// <summary>Every check, in the report's order.</summary>
    public static async Task<List<DoctorFinding>> CheckAsync(DoctorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var findings = new List<DoctorFinding>();
        string configPath = options.ConfigPath ?? CommandLine.DefaultConfigPath;
        MilterSide? us = null;
        try
        {
            us = MilterSide.From(ConfigFileParser.Load(configPath), findings);
        }
        catch (ConfigurationException ex)
        {
            findings.Add(DoctorFinding.Error("config", configPath, ex.Message, File.Exists(configPath) ? null : $"give the configuration with -x FILE, or write {configPath}"));
        }

        var (postfix, postfixProblem) = await PostfixSettings.ReadAsync(options.PostfixConfigDirectory);
        if (postfixProblem is not null)
        {
            findings.Add(postfixProblem);
        }

        if (postfix is not null && us is not null)
        {
            var targets = await MilterAddressChecks.RunAsync(postfix, us, findings);
            await SocketPermissionChecks.RunAsync(postfix, us, targets, findings);
            PostfixSettingChecks.Run(postfix, us, targets, findings);
            await MilterProbe.RunAsync(postfix, us, targets, findings);
        }

        if (us is not null)
        {
            MilterConfigChecks.Run(us, findings);
            await KeyDnsChecks.RunAsync(us.Config, findings);
        }

        return findings;
    }
}

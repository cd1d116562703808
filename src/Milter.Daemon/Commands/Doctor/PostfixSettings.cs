using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>One service of master.cf as <c>postconf -M</c> prints it: the first eight columns and its <c>-o</c> overrides.</summary>
internal sealed record MasterService(string Name, string Type, string ChrootColumn, bool Chrooted, string Command, IReadOnlyDictionary<string, string> Overrides)
{
    /// <summary><c>NAME/TYPE</c>, as postconf names a service.</summary>
    public string Id => $"{Name}/{Type}";
}

/// <summary>
/// Postfix's settings as Postfix itself sees them: the effective values (defaults included, <c>$name</c>
/// expanded) from <c>postconf [-c DIR] -x NAME...</c>, and master.cf's services from <c>postconf [-c DIR] -M</c>.
/// A chroot column of <c>-</c> means the built-in default: n from Postfix 3.0 on, y before (master(5)); Debian's
/// packaging writes an explicit y for smtpd.
/// </summary>
internal sealed partial class PostfixSettings
{
    /// <summary>The parameters doctor reads.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["mail_version", "smtpd_milters", "non_smtpd_milters", "milter_protocol", "milter_default_action", "queue_directory", "mail_owner", "inet_protocols", "config_directory"];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, string> _parameters;

    private PostfixSettings(string? configDirectory, Dictionary<string, string> parameters, IReadOnlyList<MasterService> services)
    {
        ConfigDirectory = configDirectory;
        _parameters = parameters;
        Services = services;
    }

    /// <summary>--postfix-config, or null for postconf's default.</summary>
    public string? ConfigDirectory { get; }

    /// <summary>Every master.cf service.</summary>
    public IReadOnlyList<MasterService> Services { get; }

    public string this[string name] => _parameters.GetValueOrDefault(name, "");

    /// <summary>The main.cf to name in fixes.</summary>
    public string MainCf => Path.Combine(ConfigDirectory ?? (this["config_directory"] is { Length: > 0 } dir ? dir : "/etc/postfix"), "main.cf");

    /// <summary><c>postconf -e 'NAME = VALUE'</c>, with -c when doctor was given a directory.</summary>
    public string PostconfEdit(string name, string value) => $"{Postconf} -e '{name} = {value}'";

    /// <summary><c>postconf</c>, with -c when doctor was given a directory: the start of a fix's command.</summary>
    public string Postconf => $"postconf{(ConfigDirectory is null ? "" : $" -c {ConfigDirectory}")}";

    /// <summary>The smtpd services (the ones that call smtpd_milters).</summary>
    public IEnumerable<MasterService> SmtpdServices => Services.Where(s => string.Equals(s.Command, "smtpd", StringComparison.Ordinal));

    /// <summary>The cleanup services (they call non_smtpd_milters for mail from sendmail(1)).</summary>
    public IEnumerable<MasterService> CleanupServices => Services.Where(s => string.Equals(s.Command, "cleanup", StringComparison.Ordinal));

    /// <summary>Postfix's major version (3 for 3.7.11), 0 if unknown.</summary>
    public int MajorVersion => int.TryParse(this["mail_version"].Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major) ? major : 0;

    /// <summary>
    /// Reads the settings; on failure returns null and the finding that says why (postconf missing, main.cf unreadable).
    /// The postconf program is found on PATH, then in /usr/sbin; DKIM_MILTER_POSTCONF names another one.
    /// </summary>
    public static async Task<(PostfixSettings? Settings, DoctorFinding? Problem)> ReadAsync(string? configDirectory)
    {
        string? postconf = FindPostconf();
        string where = configDirectory is null ? "" : $" -c {configDirectory}";
        if (postconf is null)
        {
            return (null, DoctorFinding.Error("postfix", "postconf", "postconf was not found (not on PATH, nor in /usr/sbin): Postfix's settings cannot be checked",
                "install Postfix (apt-get install postfix), or put postconf on PATH"));
        }

        List<string> prefix = configDirectory is null ? [] : ["-c", configDirectory];
        var (status, output, error) = await RunAsync(postconf, [.. prefix, "-x", .. Names]);
        if (status != 0)
        {
            return (null, DoctorFinding.Error("postfix", $"postconf{where}", $"postconf failed (exit {status.ToString(CultureInfo.InvariantCulture)}): {FirstLine(error)}",
                configDirectory is null ? "check Postfix's installation (postfix check)" : $"give --postfix-config the directory that holds main.cf and master.cf (postfix -c {configDirectory} check)"));
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        ReadParameters(output, parameters);

        var (masterStatus, master, masterError) = await RunAsync(postconf, [.. prefix, "-M"]);
        if (masterStatus != 0)
        {
            return (null, DoctorFinding.Error("postfix", $"postconf{where} -M", $"master.cf could not be read: {FirstLine(masterError)}"));
        }

        var settings = new PostfixSettings(configDirectory, parameters, []);
        var services = ParseServices(master, settings.MajorVersion);

        // -o values may name main.cf parameters ($mua_milters): expand them as Postfix would.
        var names = services.SelectMany(service => service.Overrides.Values)
            .SelectMany(value => Variable().Matches(value).Select(match => VariableName(match)))
            .Where(name => !parameters.ContainsKey(name))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (names.Count > 0)
        {
            var (_, more, _) = await RunAsync(postconf, [.. prefix, "-x", .. names]);
            ReadParameters(more, parameters);
        }

        services = services.Select(service => service with
        {
            Overrides = service.Overrides.ToDictionary(o => o.Key, o => Variable().Replace(o.Value, match => parameters.GetValueOrDefault(VariableName(match), "")), StringComparer.Ordinal),
        }).ToList();
        return (new PostfixSettings(configDirectory, parameters, services), null);
    }

    private static string VariableName(Match match) => match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Success ? match.Groups[2].Value : match.Groups[3].Value;

    // $name, ${name}, $(name)
    [GeneratedRegex(@"\$(?:\{(\w+)\}|\((\w+)\)|(\w+))")]
    private static partial Regex Variable();

    private static void ReadParameters(string output, Dictionary<string, string> parameters)
    {
        foreach (var line in output.Split('\n'))
        {
            int equals = line.IndexOf(" = ", StringComparison.Ordinal);
            if (equals > 0)
            {
                parameters[line[..equals].Trim()] = line[(equals + 3)..].Trim();
            }
            else if (line.EndsWith(" =", StringComparison.Ordinal))
            {
                parameters[line[..^2].Trim()] = "";
            }
        }
    }

    /// <summary>Parses <c>postconf -M</c>'s lines: service type private unpriv chroot wakeup maxproc command args.</summary>
    public static List<MasterService> ParseServices(string text, int majorVersion)
    {
        ArgumentNullException.ThrowIfNull(text);
        var services = new List<MasterService>();
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8 || fields[0].StartsWith('#'))
            {
                continue;
            }

            string chroot = fields[4];
            bool chrooted = chroot == "-" ? majorVersion is > 0 and < 3 : chroot.StartsWith('y');
            var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 8; i < fields.Length; i++)
            {
                string? option = fields[i] == "-o" && i + 1 < fields.Length ? fields[++i]
                    : fields[i].StartsWith("-o", StringComparison.Ordinal) && fields[i].Length > 2 ? fields[i][2..]
                    : null;
                int equals = option?.IndexOf('=', StringComparison.Ordinal) ?? -1;
                if (equals > 0)
                {
                    overrides[option![..equals]] = option[(equals + 1)..];
                }
            }

            services.Add(new MasterService(fields[0], fields[1], chroot, chrooted, fields[7], overrides));
        }

        return services;
    }

    private static string? FindPostconf()
    {
        if (Environment.GetEnvironmentVariable("DKIM_MILTER_POSTCONF") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/local/sbin"]);
        return directories.Select(directory => Path.Combine(directory, "postconf")).FirstOrDefault(File.Exists);
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "(no message)";

    /// <summary>Runs a program to completion: exit status (-1 when it could not run), stdout, stderr.</summary>
    internal static async Task<(int Status, string Output, string Error)> RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                return (-1, "", $"{program} did not finish within {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
            }

            return (process.ExitCode, await output, await error);
        }
        catch (Win32Exception ex)
        {
            return (-1, "", $"{program}: {ex.Message}");
        }
    }
}

using System.Globalization;

namespace Milter.IntegrationTests.Postfix;

/// <summary>The text of a private instance's main.cf and master.cf.</summary>
public static class PostfixConfigFiles
{
    public const string ReceiverDomain = "receiver.example";

    /// <summary>main.cf settings for an instance living entirely under <paramref name="rootDirectory"/>.</summary>
    public static Dictionary<string, string> MainCfSettings(string rootDirectory, int milterPort, int milterProtocol)
    {
        var milter = $"inet:127.0.0.1:{milterPort.ToString(CultureInfo.InvariantCulture)}";
        return new Dictionary<string, string>
        {
            ["compatibility_level"] = "3.6",
            ["queue_directory"] = Path.Combine(rootDirectory, "queue"),
            ["data_directory"] = Path.Combine(rootDirectory, "data"),
            ["mail_owner"] = "postfix",
            ["myhostname"] = "mx.test.example",
            ["mydestination"] = "localhost",
            ["inet_interfaces"] = "127.0.0.1",
            // "localhost" could resolve to ::1; everything here is 127.0.0.1.
            ["inet_protocols"] = "ipv4",
            // postlogd writes here instead of syslog (there is no syslog daemon in CI); the file must
            // lie under one of maillog_file_prefixes.
            ["maillog_file"] = Path.Combine(rootDirectory, "maillog"),
            ["maillog_file_prefixes"] = rootDirectory,
            ["alias_maps"] = "",
            ["alias_database"] = "",
            // Every *@receiver.example lands in one maildir, delivered as nobody.
            ["virtual_mailbox_domains"] = ReceiverDomain,
            ["virtual_mailbox_base"] = Path.Combine(rootDirectory, "mail"),
            ["virtual_mailbox_maps"] = "static:inbox/",
            ["virtual_uid_maps"] = "static:65534",
            ["virtual_gid_maps"] = "static:65534",
            ["smtpd_milters"] = milter,
            ["non_smtpd_milters"] = milter,
            ["milter_protocol"] = milterProtocol.ToString(CultureInfo.InvariantCulture),
            ["milter_default_action"] = "tempfail",
            // Flow control makes smtpd pause up to 1 s after a message when mail arrives faster than
            // it is delivered, which a test sending a burst of messages in one session hits at random.
            ["in_flow_delay"] = "0",
            // Lets a test pose as an outside client (XCLIENT ADDR=...) without leaving loopback.
            ["smtpd_authorized_xclient_hosts"] = "127.0.0.0/8",
        };
    }

    public static string MainCf(IReadOnlyDictionary<string, string> settings) =>
        string.Concat(settings.Select(setting => $"{setting.Key} = {setting.Value}\n"));

    /// <summary>
    /// The system master.cf with the public smtpd moved from port 25 to <paramref name="smtpPort"/>
    /// and chroot turned off for every service: the jail would be our queue directory, which lacks
    /// the /etc files (localtime, resolv.conf, services) Debian copies into its own jail.
    /// </summary>
    public static string MasterCf(string systemMasterCf, int smtpPort) => MasterCf(systemMasterCf, smtpPort, []);

    /// <summary>
    /// As <see cref="MasterCf(string, int)"/>, but the services running one of <paramref name="chrootedCommands"/>
    /// (e.g. smtpd, cleanup) keep chroot y: for instances that are only read with postconf, never started.
    /// </summary>
    public static string MasterCf(string systemMasterCf, int smtpPort, IReadOnlyCollection<string> chrootedCommands)
    {
        ArgumentNullException.ThrowIfNull(systemMasterCf);
        ArgumentNullException.ThrowIfNull(chrootedCommands);
        var movedSmtpd = false;
        var lines = systemMasterCf.Split('\n').Select(line =>
        {
            // Comments, blank lines and continuation lines (leading whitespace) stay as they are.
            if (line.Length == 0 || line[0] == '#' || char.IsWhiteSpace(line[0]))
            {
                return line;
            }
            // service type private unpriv chroot wakeup maxproc command [args...]
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8)
            {
                return line;
            }
            fields[4] = chrootedCommands.Contains(fields[7]) ? "y" : "n";
            if (fields[0] == "smtp" && fields[1] == "inet")
            {
                fields[0] = smtpPort.ToString(CultureInfo.InvariantCulture);
                movedSmtpd = true;
            }
            return string.Join(' ', fields);
        }).ToList();
        if (!movedSmtpd)
        {
            throw new InvalidOperationException("master.cf has no `smtp inet` service to move");
        }
        return string.Join('\n', lines);
    }
}

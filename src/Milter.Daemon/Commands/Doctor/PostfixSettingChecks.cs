namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// Checks 4 to 6, on Postfix's settings for the entries that reach us: mail from sendmail(1) (non_smtpd_milters),
/// milter_protocol below 6 with simple header canonicalization, and milter_default_action = accept.
/// </summary>
internal static class PostfixSettingChecks
{
    public static void Run(PostfixSettings postfix, MilterSide us, IReadOnlyList<MilterTarget> targets, ICollection<DoctorFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(postfix);
        ArgumentNullException.ThrowIfNull(us);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(findings);
        // The entries meant for us: those that reach us, and those that would but for an address or the chroot
        // (reported by MilterAddressChecks); their settings matter as soon as the address is fixed.
        var ours = targets.Where(t => t.Match != TargetMatch.Other).ToList();
        var smtpd = ours.FirstOrDefault(t => t.List == "smtpd_milters");

        // 4: sendmail(1), mail(1), cron and the like submit through pickup and cleanup, which call non_smtpd_milters only.
        if (smtpd is not null && us.Signs && !ours.Any(t => t.List == "non_smtpd_milters"))
        {
            string current = postfix["non_smtpd_milters"];
            findings.Add(DoctorFinding.Error("postfix", "non_smtpd_milters",
                string.IsNullOrWhiteSpace(current)
                    ? "non_smtpd_milters is empty while smtpd_milters has dkim-milter: mail from sendmail(1)/mail goes out unsigned"
                    : $"non_smtpd_milters = {current} does not call dkim-milter: mail from sendmail(1)/mail goes out unsigned",
                postfix.PostconfEdit("non_smtpd_milters", string.IsNullOrWhiteSpace(current) ? "$smtpd_milters" : MilterAddressChecks.WithOurs(current, null, smtpd.Entry.Address))));
        }

        // A main.cf setting is said once, even when both lists reach us; an entry's own protocol= or default_action= once per list.
        var said = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in ours.DistinctBy(t => t.List))
        {
            // 5: below version 6 Postfix cannot be asked for header values exactly as received (SMFIP_HDR_LEADSPC).
            string protocolText = target.Entry.Protocol ?? postfix["milter_protocol"];
            int protocol = MilterProbe.ProtocolVersion(protocolText);
            string protocolWhere = target.Entry.Protocol is null ? "milter_protocol" : $"protocol= of {target.Entry.Text} in {target.List}";
            if (protocol < 6 && us.HeaderCanonicalization == "simple" && said.Add(protocolWhere))
            {
                string where = protocolWhere;
                findings.Add(DoctorFinding.Warning("postfix", where,
                    $"{where} = {protocolText.Trim()} while {us.ConfigPath} signs with simple header canonicalization (Canonicalization {us.Config.GetString("Canonicalization", "simple/simple")}): below protocol 6 Postfix removes the space after each header field's colon and the milter has to rebuild it, which cannot be exact for a field with no space after the colon, or with a space before a tab or a fold there: such fields fail to verify (docs/HEADER-SHAPES.md)",
                    target.Entry.Protocol is null
                        ? $"{postfix.PostconfEdit("milter_protocol", "6")}\nor write in {us.ConfigPath}: Canonicalization relaxed/simple"
                        : $"write protocol=6 in {target.List}'s entry for dkim-milter\nor write in {us.ConfigPath}: Canonicalization relaxed/simple"));
            }

            // 6: a milter that is down or times out then means mail passes unsigned, with only a log line.
            string action = target.Entry.DefaultAction ?? postfix["milter_default_action"];
            string actionWhere = target.Entry.DefaultAction is null ? "milter_default_action" : $"default_action= of {target.Entry.Text} in {target.List}";
            if (string.Equals(action.Trim(), "accept", StringComparison.OrdinalIgnoreCase) && said.Add(actionWhere))
            {
                string where = actionWhere;
                findings.Add(DoctorFinding.Warning("postfix", where,
                    $"{where} = accept: when dkim-milter is down or slow, Postfix sends mail on unsigned and says so only in its log",
                    target.Entry.DefaultAction is null
                        ? postfix.PostconfEdit("milter_default_action", "tempfail")
                        : $"write default_action=tempfail in {target.List}'s entry for dkim-milter"));
            }
        }

        if (ours.Count > 0 && postfix.MajorVersion == 0)
        {
            findings.Add(DoctorFinding.Note("postfix", "mail_version", "Postfix's version is unknown; a master.cf chroot column of '-' was read as n"));
        }

    }
}

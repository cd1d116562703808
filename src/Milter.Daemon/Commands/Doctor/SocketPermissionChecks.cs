using System.Globalization;
using Milter.Configuration;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// Check 3 (permissions): can Postfix's mail_owner (its uid and every group it is in, through NSS) search every
/// directory on the way to our unix socket and write the socket? Inside a chroot the way starts at
/// queue_directory. Owners and modes come from stat(1); the kernel's rule is applied (owner bits, else group
/// bits, else others'). ACLs are not read.
/// </summary>
internal static class SocketPermissionChecks
{
    public static async Task RunAsync(PostfixSettings postfix, MilterSide us, IReadOnlyList<MilterTarget> targets, ICollection<DoctorFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(postfix);
        ArgumentNullException.ThrowIfNull(us);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(findings);
        if (us.Socket is not { Kind: SocketKind.Unix } socket || !targets.Any(t => t.Match == TargetMatch.Ours))
        {
            return;
        }

        string path = Path.GetFullPath(socket.Path!);
        string owner = postfix["mail_owner"] is { Length: > 0 } name ? name : "postfix";
        if (UnixIdentity.Find(owner) is not { } identity)
        {
            findings.Add(DoctorFinding.Error("postfix", "mail_owner", $"mail_owner = {owner} is not a user on this system: Postfix cannot run",
                $"adduser --system --group {owner}, or {postfix.PostconfEdit("mail_owner", "postfix")}"));
            return;
        }

        if (!File.Exists(path) && !Directory.Exists(path))
        {
            findings.Add(DoctorFinding.Note("socket", path, "the socket does not exist (dkim-milter is not running?), so its permissions cannot be checked"));
            return;
        }

        bool chrooted = targets.Any(t => t.Match == TargetMatch.Ours && (t.List == "smtpd_milters" ? MilterAddressChecks.SmtpdChrooted(postfix) : MilterAddressChecks.CleanupChrooted(postfix)));
        string start = chrooted ? MilterAddressChecks.QueueDirectory(postfix) : "/";
        var paths = new List<string>();
        for (var directory = Path.GetDirectoryName(path); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            paths.Insert(0, directory);
            if (string.Equals(directory, start, StringComparison.Ordinal))
            {
                break;
            }
        }

        paths.Add(path);
        var (status, output, error) = await PostfixSettings.RunAsync("stat", ["-L", "-c", "%u %g %a", .. paths]);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (status != 0 || lines.Length != paths.Count)
        {
            findings.Add(DoctorFinding.Note("socket", path, $"the permissions on the way to the socket could not be read: {error.Trim()}"));
            return;
        }

        for (int i = 0; i < paths.Count; i++)
        {
            var fields = lines[i].Split(' ');
            uint uid = uint.Parse(fields[0], CultureInfo.InvariantCulture);
            uint gid = uint.Parse(fields[1], CultureInfo.InvariantCulture);
            var mode = (UnixFileMode)Convert.ToInt32(fields[2], 8);
            bool isSocket = i == paths.Count - 1;
            if (identity.May(uid, gid, mode, isSocket ? 2 : 1))
            {
                continue;
            }

            string octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
            string group = UnixIdentity.GroupName(gid);
            if (isSocket)
            {
                bool inGroup = identity.Groups.Contains(gid);
                bool groupWrites = ((int)mode & 0x10) != 0;
                var fixes = new List<string>();
                if (!groupWrites)
                {
                    fixes.Add($"write in {us.ConfigPath}: UMask 002 (the socket is then made group-writable), and restart dkim-milter");
                }

                if (!inGroup)
                {
                    fixes.Add($"usermod -aG {group} {owner}, and restart Postfix");
                }

                fixes.Add($"or: chmod g+w {path} and chgrp to a group of {owner} (lasts until dkim-milter re-creates the socket)");
                findings.Add(DoctorFinding.Error("socket", path,
                    $"mail_owner {owner} (uid {identity.UserId.ToString(CultureInfo.InvariantCulture)}) cannot write the socket (mode {octal}, group {group}{(inGroup ? "" : $", which {owner} is not in")}): Postfix gets 'Permission denied'",
                    string.Join('\n', fixes)));
            }
            else
            {
                findings.Add(DoctorFinding.Error("socket", paths[i],
                    $"mail_owner {owner} cannot pass through directory {paths[i]} (mode {octal}, group {group}) to reach the socket {path}: Postfix gets 'Permission denied'",
                    identity.Groups.Contains(gid) ? $"chmod g+x {paths[i]}" : $"chmod o+x {paths[i]} (or usermod -aG {group} {owner} and chmod g+x {paths[i]})"));
                return;
            }
        }
    }
}

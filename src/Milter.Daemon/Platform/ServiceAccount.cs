using System.Globalization;
using System.Runtime.InteropServices;

namespace Milter.Daemon.Platform;

/// <summary>
/// The account named by UserID (or <c>-u</c>): <c>user</c> or <c>user:group</c>, names or numbers, as opendkim
/// takes it. Without a group the user's own primary group is used.
/// </summary>
internal sealed record ServiceAccount(string UserName, uint UserId, string GroupName, uint GroupId)
{
    /// <summary>Looks the account up through the system's user database.</summary>
    /// <exception cref="ArgumentException">No such user or group; the message says which and how to create it.</exception>
    public static ServiceAccount Resolve(string userAndGroup)
    {
        ArgumentNullException.ThrowIfNull(userAndGroup);
        string[] parts = userAndGroup.Split(':', 2);
        var user = FindUser(parts[0])
            ?? throw new ArgumentException($"no user '{parts[0]}' on this system; create it with: adduser --system --group {parts[0]}");
        if (parts.Length == 1)
        {
            var (primaryName, _) = FindGroup(user.GroupId.ToString(CultureInfo.InvariantCulture)) ?? (user.GroupId.ToString(CultureInfo.InvariantCulture), user.GroupId);
            return new ServiceAccount(user.Name, user.UserId, primaryName, user.GroupId);
        }

        var (groupName, groupId) = FindGroup(parts[1])
            ?? throw new ArgumentException($"no group '{parts[1]}' on this system; create it with: addgroup --system {parts[1]}");
        return new ServiceAccount(user.Name, user.UserId, groupName, groupId);
    }

    /// <summary>True when the process already runs as this account, so there is nothing to change.</summary>
    public bool IsCurrent => Posix.GetUserId() == UserId && Posix.GetEffectiveUserId() == UserId && Posix.GetGroupId() == GroupId;

    /// <summary>
    /// Gives up root for good: supplementary groups (the user's, from the group database), then the group, then
    /// the user. Afterwards the process cannot get root back; that is checked, not assumed.
    /// </summary>
    /// <exception cref="InvalidOperationException">A step failed; the process must not go on serving mail as root.</exception>
    public void Become()
    {
        if (IsCurrent)
        {
            return;
        }

        if (Posix.GetEffectiveUserId() != 0)
        {
            throw new InvalidOperationException(
                $"cannot run as {this}: only root can change user, and dkim-milter runs as uid {Posix.GetEffectiveUserId()} (start it as root, or leave UserID out)");
        }

        Check(Posix.InitGroups(UserName, GroupId), "initgroups");
        Check(Posix.SetGroupId(GroupId), "setgid");
        Check(Posix.SetUserId(UserId), "setuid");
        if (UserId != 0 && Posix.SetUserId(0) == 0)
        {
            throw new InvalidOperationException($"after setuid({UserId}) the process could still become root again; refusing to run");
        }
    }

    /// <summary>Hands a file this process created (its socket, its PID file) to the account.</summary>
    public void Own(string path)
    {
        if (Posix.GetEffectiveUserId() == 0)
        {
            Check(Posix.ChangeOwner(path, UserId, GroupId), $"chown {path}");
        }
    }

    public override string ToString() => $"{UserName}:{GroupName} (uid {UserId}, gid {GroupId})";

    private void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"cannot run as {this}: {call} failed: {Posix.LastError()}");
        }
    }

    private static (string Name, uint UserId, uint GroupId)? FindUser(string nameOrNumber)
    {
        nint entry = uint.TryParse(nameOrNumber, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)
            ? Posix.GetPasswordEntryById(uid)
            : Posix.GetPasswordEntryByName(nameOrNumber);
        if (entry == 0)
        {
            return null;
        }

        var passwd = Marshal.PtrToStructure<Posix.PasswordEntry>(entry);
        return (Marshal.PtrToStringUTF8(passwd.Name) ?? nameOrNumber, passwd.UserId, passwd.GroupId);
    }

    private static (string Name, uint GroupId)? FindGroup(string nameOrNumber)
    {
        nint entry = uint.TryParse(nameOrNumber, NumberStyles.None, CultureInfo.InvariantCulture, out uint gid)
            ? Posix.GetGroupEntryById(gid)
            : Posix.GetGroupEntryByName(nameOrNumber);
        if (entry == 0)
        {
            return null;
        }

        var group = Marshal.PtrToStructure<Posix.GroupEntry>(entry);
        return (Marshal.PtrToStringUTF8(group.Name) ?? nameOrNumber, group.GroupId);
    }
}

using Microsoft.Extensions.Logging;
using Milter.Configuration;
using Milter.Daemon.Platform;

namespace Milter.Daemon.Hosting;

/// <summary>
/// A unix socket is created with the umask's mode (UMask) by root, before the privilege drop; it is then given to
/// the service account, so that the MTA can connect through the group (the usual set-up: <c>UMask 007</c>, and
/// postfix in the opendkim group). A mode the MTA cannot connect through is said at start-up, with the fix: the
/// most common OpenDKIM failure is Postfix's "connect to Milter service unix:...: Permission denied".
/// </summary>
internal static partial class SocketPermissions
{
    public static void Prepare(SocketSpec socket, ServiceAccount? account, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.Kind != SocketKind.Unix)
        {
            return;
        }

        string path = socket.Path!;
        account?.Own(path);
        var mode = File.GetUnixFileMode(path);
        bool groupCanConnect = mode.HasFlag(UnixFileMode.GroupWrite);
        bool othersCanConnect = mode.HasFlag(UnixFileMode.OtherWrite);
        string owner = account?.ToString() ?? "the user it runs as";
        string octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
        if (othersCanConnect)
        {
            SocketMode(log, path, octal, owner);
            WorldWritable(log, path);
        }
        else if (groupCanConnect)
        {
            SocketMode(log, path, octal, owner);
        }
        else
        {
            OwnerOnly(log, path, octal, owner, account?.GroupName ?? "opendkim");
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "socket {Path} has mode {Mode}, owner {Owner}")]
    private static partial void SocketMode(ILogger logger, string path, string mode, string owner);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "socket {Path} has mode {Mode}, owner {Owner}: only that user can connect, so Postfix will get 'Permission denied'; set 'UMask 007' and run 'adduser postfix {Group}'")]
    private static partial void OwnerOnly(ILogger logger, string path, string mode, string owner, string group);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "socket {Path} can be used by every local user (UMask lets others write); 'UMask 007' restricts it to the group")]
    private static partial void WorldWritable(ILogger logger, string path);
}

using System.Globalization;
using Milter.Configuration;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// Our side, as doctor needs it: the configuration file, where it lists (Socket), whether it signs (Mode) and
/// its header canonicalization. <see cref="Socket"/> is null when Socket is missing or unreadable (a finding says so).
/// </summary>
internal sealed record MilterSide(ConfigFile Config, SocketSpec? Socket, bool Signs, string HeaderCanonicalization)
{
    public string ConfigPath => Config.Path;

    /// <summary>Reads the parts of <paramref name="config"/> doctor uses, adding findings for what is wrong with them.</summary>
    public static MilterSide From(ConfigFile config, ICollection<DoctorFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(findings);
        SocketSpec? socket = null;
        if (config.Find("Socket") is not { } socketEntry)
        {
            findings.Add(DoctorFinding.Error("config", "Socket", $"{config.Path} has no Socket: dkim-milter does not know where to listen",
                $"add to {config.Path}: Socket inet:8891@localhost"));
        }
        else if (socketEntry.Value.All(char.IsAsciiDigit) && int.TryParse(socketEntry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536)
        {
            // A bare port: libmilter reads it as a path; the intent is plain.
            socket = new SocketSpec(SocketKind.Inet, port, "localhost", null);
            findings.Add(DoctorFinding.Error("config", $"{socketEntry.File}:{socketEntry.Line.ToString(CultureInfo.InvariantCulture)}",
                $"Socket {socketEntry.Value} is a bare port: dkim-milter (like libmilter) wants inet:PORT@HOST",
                $"write in {socketEntry.File}: Socket inet:{socketEntry.Value}@localhost"));
        }
        else
        {
            try
            {
                socket = SocketSpec.Parse(socketEntry.Value);
            }
            catch (FormatException ex)
            {
                findings.Add(DoctorFinding.Error("config", $"{socketEntry.File}:{socketEntry.Line.ToString(CultureInfo.InvariantCulture)}", $"Socket: {ex.Message}",
                    $"write in {socketEntry.File}: Socket inet:8891@localhost (or local:/var/spool/postfix/opendkim/opendkim.sock)"));
            }
        }

        string mode = config.GetString("Mode", "sv")!;
        string canonicalization = config.GetString("Canonicalization", "simple/simple")!.ToLowerInvariant();
        return new MilterSide(config, socket, mode.Contains('s', StringComparison.OrdinalIgnoreCase), canonicalization.Split('/')[0].Trim());
    }
}

namespace Milter.Daemon.Startup;

/// <summary>Exit statuses from sysexits.h, the ones OpenDKIM uses, so scripts and systemd see the same codes.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>EX_USAGE: bad command line.</summary>
    public const int Usage = 64;
    /// <summary>EX_UNAVAILABLE: the socket cannot be used.</summary>
    public const int Unavailable = 69;
    /// <summary>EX_SOFTWARE: an internal error.</summary>
    public const int Software = 70;
    /// <summary>EX_OSERR: the operating system refused (PID file, changing user).</summary>
    public const int OperatingSystem = 71;
    /// <summary>EX_CONFIG: a configuration mistake.</summary>
    public const int Config = 78;
}

namespace Milter.Daemon.Commands;

/// <summary>
/// The KeyTable or SigningTable storage refused or could not be reached while rotating; <see cref="ExitCode"/> says
/// which (78: a table, column or privilege is wrong; 69: the database is unreachable).
/// </summary>
internal sealed class RotationStoreException : Exception
{
    public RotationStoreException()
    {
    }

    public RotationStoreException(string message)
        : base(message)
    {
    }

    public RotationStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RotationStoreException(string message, int exitCode, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    /// <summary>The exit status rotate ends with (sysexits.h).</summary>
    public int ExitCode { get; } = Startup.ExitCodes.Config;
}

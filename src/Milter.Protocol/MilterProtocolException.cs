using System.Diagnostics.CodeAnalysis;

namespace Milter.Protocol;

/// <summary>
/// The peer broke the milter protocol. Thrown by the parsers and caught once at the session boundary, where it
/// ends that session (and only that session) with one log line.
/// </summary>
public sealed class MilterProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MilterProtocolException(ProtocolError error, string message) : base(message) => Error = error;

    /// <summary>Required by CA1032; prefer the constructor with a <see cref="ProtocolError"/>.</summary>
    public MilterProtocolException() : this(ProtocolError.MalformedPayload, "malformed milter packet") { }

    /// <summary>Required by CA1032; prefer the constructor with a <see cref="ProtocolError"/>.</summary>
    public MilterProtocolException(string message) : this(ProtocolError.MalformedPayload, message) { }

    /// <summary>Required by CA1032; prefer the constructor with a <see cref="ProtocolError"/>.</summary>
    public MilterProtocolException(string message, Exception innerException) : base(message, innerException)
        => Error = ProtocolError.MalformedPayload;

    /// <summary>The kind of error.</summary>
    public ProtocolError Error { get; }

    /// <summary>Throws a <see cref="MilterProtocolException"/>; keeps the throw out of hot methods.</summary>
    [DoesNotReturn]
    public static void Throw(ProtocolError error, string message) => throw new MilterProtocolException(error, message);
}

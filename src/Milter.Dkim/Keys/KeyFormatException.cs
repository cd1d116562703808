namespace Milter.Dkim.Keys;

/// <summary>
/// A private key that cannot be used, with where it came from and what is wrong in plain words, e.g.
/// "/etc/opendkim/keys/x/mail.private: this is a public key, not a private key". Never carries an OpenSSL error
/// code in its message (users complain about those); the underlying exception, if any, is the inner exception.
/// Also used when the key file cannot be read at all, so the caller catches one type.
/// </summary>
public sealed class KeyFormatException : Exception
{
    /// <summary>Creates the exception; the message is "<paramref name="keySource"/>: <paramref name="problem"/>".</summary>
    public KeyFormatException(string keySource, string problem, Exception? innerException = null)
        : base($"{keySource}: {problem}", innerException)
    {
        KeySource = keySource;
        Problem = problem;
    }

    /// <summary>Required by CA1032.</summary>
    public KeyFormatException() : this("key", "invalid private key") { }

    /// <summary>Required by CA1032.</summary>
    public KeyFormatException(string message) : this("key", message) { }

    /// <summary>Required by CA1032.</summary>
    public KeyFormatException(string message, Exception innerException) : this("key", message, innerException) { }

    /// <summary>Where the key came from: a file path, or a description such as "KeyTable entry 'x' (inline key)".</summary>
    public string KeySource { get; }

    /// <summary>What is wrong, without the source.</summary>
    public string Problem { get; }
}

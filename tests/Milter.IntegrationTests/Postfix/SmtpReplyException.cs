namespace Milter.IntegrationTests.Postfix;

/// <summary>The SMTP server answered a command with a code the client did not expect.</summary>
public sealed class SmtpReplyException : Exception
{
    public SmtpReplyException()
    {
    }

    public SmtpReplyException(string message)
        : base(message)
    {
    }

    public SmtpReplyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SmtpReplyException(string command, int code, string reply)
        : base($"SMTP `{command}` got unexpected reply: {reply}")
    {
        Code = code;
        Reply = reply;
    }

    /// <summary>The three-digit reply code, e.g. 451 when a milter tempfails.</summary>
    public int Code { get; }

    /// <summary>The full reply text, all lines, as the server sent it.</summary>
    public string Reply { get; } = "";
}

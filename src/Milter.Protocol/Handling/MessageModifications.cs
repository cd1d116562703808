using System.Text;
using Milter.Protocol.Replies;

namespace Milter.Protocol.Handling;

/// <summary>
/// Collects the modifications a handler makes at end of message. They are written, in call order, together with
/// the final decision in one flush. Each call checks that the action was negotiated: using one that was not is
/// a bug in the handler, reported at once.
/// </summary>
public sealed class MessageModifications
{
    /// <summary>Postfix's largest body chunk; replacement bodies are sent in chunks of this size.</summary>
    public const int MaxBodyChunk = 65535;

    private readonly List<MilterReply> _pending = [];
    private NegotiatedProtocol _negotiated = new(0, MilterActions.None, ProtocolOptions.None);
    private bool _open;

    /// <summary>The modifications collected so far, as they will go on the wire.</summary>
    public IReadOnlyList<MilterReply> Pending => _pending;

    /// <summary>Appends a header. <paramref name="rawValue"/> is the text after the colon as it should appear in
    /// the message (normally starting with a space); CRLF or LF folding is accepted.</summary>
    public void AddHeader(string name, ReadOnlySpan<byte> rawValue)
    {
        Require(MilterActions.AddHeaders, "AddHeader");
        ValidateHeader(name, rawValue);
        _pending.Add(new AddHeaderReply(name, HeaderValues.ToWire(rawValue, _negotiated.HeaderLeadingSpace)));
    }

    /// <inheritdoc cref="AddHeader(string, ReadOnlySpan{byte})"/>
    public void AddHeader(string name, string rawValue) => AddHeader(name, Encoding.UTF8.GetBytes(rawValue));

    /// <summary>Inserts a header at <paramref name="index"/> (0 = the very top of the message, above the MTA's
    /// own Received header).</summary>
    public void InsertHeader(int index, string name, ReadOnlySpan<byte> rawValue)
    {
        Require(MilterActions.AddHeaders, "InsertHeader");
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ValidateHeader(name, rawValue);
        _pending.Add(new InsertHeaderReply((uint)index, name, HeaderValues.ToWire(rawValue, _negotiated.HeaderLeadingSpace)));
    }

    /// <inheritdoc cref="InsertHeader(int, string, ReadOnlySpan{byte})"/>
    public void InsertHeader(int index, string name, string rawValue) => InsertHeader(index, name, Encoding.UTF8.GetBytes(rawValue));

    /// <summary>Replaces the <paramref name="occurrence"/>-th (1-based) header named <paramref name="name"/>
    /// among those the milter saw.</summary>
    public void ChangeHeader(int occurrence, string name, ReadOnlySpan<byte> rawValue)
    {
        Require(MilterActions.ChangeHeaders, "ChangeHeader");
        ArgumentOutOfRangeException.ThrowIfLessThan(occurrence, 1);
        ValidateHeader(name, rawValue);
        _pending.Add(new ChangeHeaderReply((uint)occurrence, name, HeaderValues.ToWire(rawValue, _negotiated.HeaderLeadingSpace)));
    }

    /// <inheritdoc cref="ChangeHeader(int, string, ReadOnlySpan{byte})"/>
    public void ChangeHeader(int occurrence, string name, string rawValue) => ChangeHeader(occurrence, name, Encoding.UTF8.GetBytes(rawValue));

    /// <summary>Deletes the <paramref name="occurrence"/>-th (1-based) header named <paramref name="name"/>.</summary>
    public void DeleteHeader(int occurrence, string name)
    {
        Require(MilterActions.ChangeHeaders, "DeleteHeader");
        ArgumentOutOfRangeException.ThrowIfLessThan(occurrence, 1);
        ValidateHeader(name, []);
        _pending.Add(new ChangeHeaderReply((uint)occurrence, name, ReadOnlyMemory<byte>.Empty));
    }

    /// <summary>Adds a recipient, with ESMTP arguments if given.</summary>
    public void AddRecipient(string recipient, string? esmtpArguments = null)
    {
        ValidateText(recipient, nameof(recipient));
        if (esmtpArguments is null)
        {
            Require(MilterActions.AddRecipients, "AddRecipient");
            _pending.Add(new AddRecipientReply(recipient));
        }
        else
        {
            Require(MilterActions.AddRecipientsWithArguments, "AddRecipient with ESMTP arguments");
            ValidateText(esmtpArguments, nameof(esmtpArguments));
            _pending.Add(new AddRecipientWithArgumentsReply(recipient, esmtpArguments));
        }
    }

    /// <summary>Removes a recipient.</summary>
    public void DeleteRecipient(string recipient)
    {
        Require(MilterActions.DeleteRecipients, "DeleteRecipient");
        ValidateText(recipient, nameof(recipient));
        _pending.Add(new DeleteRecipientReply(recipient));
    }

    /// <summary>Changes the envelope sender.</summary>
    public void ChangeFrom(string sender, string? esmtpArguments = null)
    {
        Require(MilterActions.ChangeFrom, "ChangeFrom");
        ValidateText(sender, nameof(sender));
        if (esmtpArguments is not null)
        {
            ValidateText(esmtpArguments, nameof(esmtpArguments));
        }

        _pending.Add(new ChangeFromReply(sender, esmtpArguments));
    }

    /// <summary>Replaces the whole body (CRLF line endings expected). Sent in chunks.</summary>
    public void ReplaceBody(ReadOnlySpan<byte> body)
    {
        Require(MilterActions.ChangeBody, "ReplaceBody");
        do
        {
            int length = Math.Min(body.Length, MaxBodyChunk);
            _pending.Add(new ReplaceBodyReply(body[..length].ToArray()));
            body = body[length..];
        }
        while (!body.IsEmpty);
    }

    /// <summary>Puts the message on hold (Postfix: the hold queue) with a reason.</summary>
    public void Quarantine(string reason)
    {
        Require(MilterActions.Quarantine, "Quarantine");
        ValidateText(reason, nameof(reason));
        _pending.Add(new QuarantineReply(reason));
        Quarantined = true;
    }

    /// <summary>Whether the message in progress was asked to be quarantined.</summary>
    internal bool Quarantined { get; private set; }

    internal void Open(NegotiatedProtocol negotiated)
    {
        _negotiated = negotiated;
        _pending.Clear();
        Quarantined = false;
        _open = true;
    }

    internal void Close()
    {
        _pending.Clear();
        Quarantined = false;
        _open = false;
    }

    private void Require(MilterActions action, string operation)
    {
        if (!_open)
        {
            throw new InvalidOperationException($"{operation} is only possible at end of message");
        }

        if (!_negotiated.Has(action))
        {
            throw new InvalidOperationException($"{operation} needs the {action} action, which was not negotiated with the MTA");
        }
    }

    private static void ValidateHeader(string name, ReadOnlySpan<byte> value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (char c in name)
        {
            // RFC 5322 field names: printable US-ASCII except colon.
            if (c is < '!' or > '~' or ':')
            {
                throw new ArgumentException($"'{name}' is not a valid header field name", nameof(name));
            }
        }

        if (value.Contains((byte)0))
        {
            throw new ArgumentException("a header value must not contain NUL", nameof(value));
        }
    }

    private static void ValidateText(string value, string parameter)
    {
        ArgumentNullException.ThrowIfNull(value, parameter);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("must not contain NUL", parameter);
        }
    }
}

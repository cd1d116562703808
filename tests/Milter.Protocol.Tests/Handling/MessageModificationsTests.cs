using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Handling;

public class MessageModificationsTests
{
    private const MilterActions All = (MilterActions)0x1FF;

    private static MessageModifications Opened(MilterActions actions, bool leadingSpace = false)
    {
        var modifications = new MessageModifications();
        modifications.Open(new NegotiatedProtocol(6, actions, leadingSpace ? ProtocolOptions.HeaderLeadingSpace : ProtocolOptions.None));
        return modifications;
    }

    [Theory]
    [InlineData(false, "a\n\tb")]
    [InlineData(true, " a\n\tb")]
    public void AddHeader_converts_the_value_for_the_wire(bool leadingSpace, string wire)
    {
        var modifications = Opened(MilterActions.AddHeaders, leadingSpace);
        modifications.AddHeader("X-Test", " a\r\n\tb");
        var reply = Assert.IsType<AddHeaderReply>(Assert.Single(modifications.Pending));
        Assert.Equal("X-Test", reply.Name);
        Assert.Equal(Ascii(wire), reply.Value.ToArray());
    }

    [Fact]
    public void String_values_are_UTF8()
    {
        var modifications = Opened(MilterActions.AddHeaders, leadingSpace: true);
        modifications.AddHeader("X-Name", " J\u00F6rg");
        Assert.Equal(Ascii(" J\xC3\xB6rg"), ((AddHeaderReply)modifications.Pending[0]).Value.ToArray());
    }

    [Fact]
    public void InsertHeader_ChangeHeader_and_DeleteHeader()
    {
        var modifications = Opened(MilterActions.AddHeaders | MilterActions.ChangeHeaders);
        modifications.InsertHeader(0, "DKIM-Signature", " v=1;\r\n\tb=abc");
        modifications.ChangeHeader(2, "Subject", " new");
        modifications.DeleteHeader(1, "X-Spam");
        Assert.Collection(modifications.Pending,
            r =>
            {
                var i = Assert.IsType<InsertHeaderReply>(r);
                Assert.Equal((0u, "DKIM-Signature"), (i.Index, i.Name));
                Assert.Equal(Ascii("v=1;\n\tb=abc"), i.Value.ToArray());
            },
            r =>
            {
                var m = Assert.IsType<ChangeHeaderReply>(r);
                Assert.Equal((2u, "Subject"), (m.Index, m.Name));
                Assert.Equal(Ascii("new"), m.Value.ToArray());
            },
            r =>
            {
                var m = Assert.IsType<ChangeHeaderReply>(r);
                Assert.Equal((1u, "X-Spam"), (m.Index, m.Name));
                Assert.True(m.Value.IsEmpty);
            });
    }

    [Fact]
    public void Indexes_are_checked()
    {
        var modifications = Opened(All);
        Assert.Throws<ArgumentOutOfRangeException>(() => modifications.InsertHeader(-1, "X", " y"));
        Assert.Throws<ArgumentOutOfRangeException>(() => modifications.ChangeHeader(0, "X", " y"));
        Assert.Throws<ArgumentOutOfRangeException>(() => modifications.DeleteHeader(0, "X"));
        Assert.Empty(modifications.Pending);
    }

    [Fact]
    public void Recipients_sender_and_quarantine()
    {
        var modifications = Opened(All);
        modifications.AddRecipient("<a@example.org>");
        modifications.AddRecipient("<b@example.org>", "NOTIFY=NEVER");
        modifications.DeleteRecipient("<c@example.org>");
        modifications.ChangeFrom("<s@example.org>");
        modifications.ChangeFrom("<t@example.org>", "SIZE=10");
        modifications.Quarantine("held");
        Assert.Equal<MilterReply>(
        [
            new AddRecipientReply("<a@example.org>"),
            new AddRecipientWithArgumentsReply("<b@example.org>", "NOTIFY=NEVER"),
            new DeleteRecipientReply("<c@example.org>"),
            new ChangeFromReply("<s@example.org>", null),
            new ChangeFromReply("<t@example.org>", "SIZE=10"),
            new QuarantineReply("held"),
        ], modifications.Pending);
    }

    [Fact]
    public void ReplaceBody_is_sent_in_chunks_of_65535()
    {
        var modifications = Opened(MilterActions.ChangeBody);
        byte[] body = [.. Enumerable.Range(0, 2 * 65535 + 10).Select(i => (byte)i)];
        modifications.ReplaceBody(body);
        var chunks = modifications.Pending.Cast<ReplaceBodyReply>().Select(r => r.Chunk.ToArray()).ToList();
        Assert.Equal([65535, 65535, 10], chunks.Select(c => c.Length));
        Assert.Equal(body, chunks.SelectMany(c => c));
    }

    [Fact]
    public void ReplaceBody_with_an_empty_body_sends_one_empty_chunk()
    {
        var modifications = Opened(MilterActions.ChangeBody);
        modifications.ReplaceBody([]);
        Assert.True(Assert.IsType<ReplaceBodyReply>(Assert.Single(modifications.Pending)).Chunk.IsEmpty);
    }

    public static TheoryData<string, MilterActions> Operations => new()
    {
        { "AddHeader", MilterActions.AddHeaders },
        { "InsertHeader", MilterActions.AddHeaders },
        { "ChangeHeader", MilterActions.ChangeHeaders },
        { "DeleteHeader", MilterActions.ChangeHeaders },
        { "AddRecipient", MilterActions.AddRecipients },
        { "AddRecipientWithArguments", MilterActions.AddRecipientsWithArguments },
        { "DeleteRecipient", MilterActions.DeleteRecipients },
        { "ChangeFrom", MilterActions.ChangeFrom },
        { "ReplaceBody", MilterActions.ChangeBody },
        { "Quarantine", MilterActions.Quarantine },
    };

    /// <summary>Makes one modification by name (shared with the session tests).</summary>
    internal static void Perform(MessageModifications modifications, string operation)
    {
        switch (operation)
        {
            case "AddHeader": modifications.AddHeader("X-A", " 1"); break;
            case "InsertHeader": modifications.InsertHeader(0, "X-I", " 1"); break;
            case "ChangeHeader": modifications.ChangeHeader(1, "Subject", " 1"); break;
            case "DeleteHeader": modifications.DeleteHeader(1, "Subject"); break;
            case "AddRecipient": modifications.AddRecipient("<a@example.org>"); break;
            case "AddRecipientWithArguments": modifications.AddRecipient("<a@example.org>", "NOTIFY=NEVER"); break;
            case "DeleteRecipient": modifications.DeleteRecipient("<a@example.org>"); break;
            case "ChangeFrom": modifications.ChangeFrom("<s@example.org>"); break;
            case "ReplaceBody": modifications.ReplaceBody("x\r\n"u8); break;
            case "Quarantine": modifications.Quarantine("why"); break;
            default: throw new ArgumentException(operation, nameof(operation));
        }
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void Each_operation_needs_its_action_negotiated(string operation, MilterActions needed)
    {
        var without = Opened(All & ~needed);
        var ex = Assert.Throws<InvalidOperationException>(() => Perform(without, operation));
        Assert.Contains(needed.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Empty(without.Pending);

        var with = Opened(needed);
        Perform(with, operation);
        Assert.NotEmpty(with.Pending);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void Modifications_are_refused_outside_end_of_message(string operation, MilterActions needed)
    {
        var never = new MessageModifications();
        Assert.Throws<InvalidOperationException>(() => Perform(never, operation));

        var closed = Opened(needed);
        closed.Close();
        Assert.Throws<InvalidOperationException>(() => Perform(closed, operation));
        Assert.Empty(closed.Pending);
    }

    [Fact]
    public void Close_and_reopen_start_empty()
    {
        var modifications = Opened(All);
        modifications.AddHeader("X", " 1");
        modifications.Close();
        Assert.Empty(modifications.Pending);
        modifications.Open(new NegotiatedProtocol(6, All, ProtocolOptions.None));
        Assert.Empty(modifications.Pending);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bad Name")]
    [InlineData("Bad:Name")]
    [InlineData("Bad\tName")]
    [InlineData("Caf\u00E9")]
    [InlineData("X\r\nBcc")]
    public void Invalid_header_names_are_refused(string name)
    {
        var modifications = Opened(All);
        Assert.ThrowsAny<ArgumentException>(() => modifications.AddHeader(name, " v"));
        Assert.ThrowsAny<ArgumentException>(() => modifications.InsertHeader(0, name, " v"));
        Assert.ThrowsAny<ArgumentException>(() => modifications.ChangeHeader(1, name, " v"));
        Assert.ThrowsAny<ArgumentException>(() => modifications.DeleteHeader(1, name));
        Assert.Empty(modifications.Pending);
    }

    [Fact]
    public void NUL_is_refused_everywhere()
    {
        var modifications = Opened(All);
        Assert.Throws<ArgumentException>(() => modifications.AddHeader("X", " a\0b"));
        Assert.Throws<ArgumentException>(() => modifications.AddRecipient("<a\0@b>"));
        Assert.Throws<ArgumentException>(() => modifications.AddRecipient("<a@b>", "X=\0"));
        Assert.Throws<ArgumentException>(() => modifications.DeleteRecipient("\0"));
        Assert.Throws<ArgumentException>(() => modifications.ChangeFrom("<a@b>", "\0"));
        Assert.Throws<ArgumentException>(() => modifications.Quarantine("a\0"));
        Assert.Empty(modifications.Pending);
    }
}

using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Tests.TestSupport;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Session;

/// <summary>What the handler is given, and what goes back on the wire, byte for byte.</summary>
public class ContentTests
{
    private static readonly SimpleReply C = SimpleReply.Continue;

    private static RecordingHandler Handler(bool leadingSpace, MilterActions actions = MilterActions.None, Action<MilterContext>? atEnd = null) => new()
    {
        Wanted = new MilterNegotiation(actions, leadingSpace ? ProtocolOptions.HeaderLeadingSpace : ProtocolOptions.None),
        OnEndOfMessage = atEnd,
    };

    [Theory]
    [InlineData(true, " value")]
    [InlineData(false, "value")]
    public async Task A_header_yields_the_same_raw_value_with_and_without_HDR_LEADSPC(bool leadingSpace, string onTheWire)
    {
        await using var harness = new SessionHarness(Handler(leadingSpace));
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Header("Subject", onTheWire));
        Assert.Equal(C, replies[^1]);
        var (name, raw) = Assert.Single(harness.Handler.Headers);
        Assert.Equal("Subject", name);
        Assert.Equal(Ascii(" value"), raw);
    }

    [Theory]
    [InlineData(true, " line1\n\tline2\n line3")]
    [InlineData(false, "line1\n\tline2\n line3")]
    public async Task Bare_LF_folding_becomes_CRLF(bool leadingSpace, string onTheWire)
    {
        await using var harness = new SessionHarness(Handler(leadingSpace));
        await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Header("X-Folded", onTheWire));
        Assert.Equal(Ascii(" line1\r\n\tline2\r\n line3"), harness.Handler.Headers.Single().RawValue);
    }

    [Fact]
    public async Task A_tab_after_the_colon_is_kept_with_HDR_LEADSPC()
    {
        await using var harness = new SessionHarness(Handler(leadingSpace: true));
        await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Header("X-Tab", "\tvalue"), Cmd.Header("X-None", "value"));
        Assert.Equal([Ascii("\tvalue"), Ascii("value")], harness.Handler.Headers.Select(h => h.RawValue));
    }

    [Theory]
    [InlineData(false, "a\n\tb")]
    [InlineData(true, " a\n\tb")]
    public async Task AddHeader_goes_on_the_wire_with_LF_folding_and_leading_space_per_HDR_LEADSPC(bool leadingSpace, string onTheWire)
    {
        var handler = Handler(leadingSpace, MilterActions.AddHeaders | MilterActions.ChangeHeaders, ctx =>
        {
            ctx.Modifications.AddHeader("X-Added", " a\r\n\tb");
            ctx.Modifications.InsertHeader(0, "X-Inserted", " a\r\n\tb");
            ctx.Modifications.ChangeHeader(1, "Subject", " a\r\n\tb");
        });
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Eom);

        var packets = Packets.Split(Concat([.. harness.Output.Writes])).Where(p => p.Code is (byte)'h' or (byte)'i' or (byte)'m').ToList();
        Assert.Equal(Concat(Ascii("X-Added\0"), Ascii(onTheWire), Hex("00")), packets[0].Payload);
        Assert.Equal(Concat(Hex("00 00 00 00"), Ascii("X-Inserted\0"), Ascii(onTheWire), Hex("00")), packets[1].Payload);
        Assert.Equal(Concat(Hex("00 00 00 01"), Ascii("Subject\0"), Ascii(onTheWire), Hex("00")), packets[2].Payload);
        Assert.Equal(C, replies[^1]);
    }

    [Fact]
    public async Task At_version_2_a_header_is_read_and_written_without_leading_space_even_if_the_handler_asked()
    {
        var handler = Handler(leadingSpace: true, MilterActions.AddHeaders, ctx => ctx.Modifications.AddHeader("X-Added", " a"));
        await using var harness = new SessionHarness(handler);
        await harness.RunScriptAsync(Cmd.Optneg(MtaProfile.Postfix2), Cmd.Connect, Cmd.Mail(), Cmd.Header("Subject", "value"), Cmd.Eom);
        Assert.Equal(Ascii(" value"), harness.Handler.Headers.Single().RawValue);
        var added = Packets.Split(Concat([.. harness.Output.Writes])).Single(p => p.Code == (byte)'h');
        Assert.Equal((byte)'h', added.Code);
        Assert.Equal(Ascii("X-Added\0a\0"), added.Payload);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Empty_header_values_are_delivered(bool leadingSpace)
    {
        await using var harness = new SessionHarness(Handler(leadingSpace));
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Header("X-Empty", ""), Cmd.Header("X-After", "1"), Cmd.Eoh);
        Assert.Equal([C, C, C, C, C], replies.Skip(1));
        Assert.Equal(["X-Empty", "X-After"], harness.Handler.Headers.Select(h => h.Name));
        Assert.Empty(harness.Handler.Headers.First().RawValue);
    }

    [Fact]
    public async Task Eight_bit_header_bytes_are_delivered_untouched()
    {
        byte[] wire = Hex("63 61 66 C3 A9 20 FF 80 0A 09 78");
        await using var harness = new SessionHarness(Handler(leadingSpace: true));
        await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), new HeaderCommand("X-\u00E9", wire));
        var (name, raw) = harness.Handler.Headers.Single();
        Assert.Equal("X-\u00E9", name);
        Assert.Equal(Hex("63 61 66 C3 A9 20 FF 80 0D 0A 09 78"), raw);
    }

    [Fact]
    public async Task The_empty_MAIL_payload_of_local_submission_is_the_null_sender()
    {
        await using var harness = new SessionHarness();
        await harness.ExchangeAsync(2, Cmd.Optneg6, Cmd.Connect);
        // Exactly what non_smtpd_milters sends for "sendmail -f ''": one empty string.
        await harness.SendRawAsync(Hex("00 00 00 02 4D 00"));
        Assert.Equal(C, await harness.ReadReplyAsync());
        await harness.SendRawAsync(Concat(Hex("00 00 00 0B 52"), Ascii("b@example\0")));
        Assert.Equal(C, await harness.ReadReplyAsync());
        Assert.Equal([""], harness.Handler.Senders.Single());
        Assert.Equal(["b@example"], harness.Handler.Recipients.Single());
        Assert.Empty(harness.Logs.Warnings);
    }

    [Fact]
    public async Task ESMTP_arguments_are_delivered_after_the_address()
    {
        await using var harness = new SessionHarness();
        await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect,
            new MailCommand(["<a@example.org>", "SIZE=100", "BODY=8BITMIME"]), new RecipientCommand(["<b@example.org>", "NOTIFY=NEVER"]));
        Assert.Equal(["<a@example.org>", "SIZE=100", "BODY=8BITMIME"], harness.Handler.Senders.Single());
        Assert.Equal(["<b@example.org>", "NOTIFY=NEVER"], harness.Handler.Recipients.Single());
    }

    [Fact]
    public async Task A_body_packet_of_length_65536_is_accepted_and_delivered_exactly()
    {
        byte[] chunk = [.. Enumerable.Range(0, 65535).Select(i => (byte)(i * 13))];
        await using var harness = new SessionHarness();
        await harness.ExchangeAsync(3, Cmd.Optneg6, Cmd.Connect, Cmd.Mail());
        await harness.SendRawAsync(Concat(Hex("00 01 00 00 42"), chunk));
        Assert.Equal(C, await harness.ReadReplyAsync());
        await harness.SendRawAsync(Concat(Hex("00 01 00 00 42"), chunk));
        Assert.Equal(C, await harness.ReadReplyAsync());
        Assert.Equal([chunk, chunk], harness.Handler.BodyChunks);
        Assert.Empty(harness.Logs.Warnings);
    }

    [Fact]
    public async Task Body_chunks_arrive_in_order_and_exactly()
    {
        await using var harness = new SessionHarness();
        await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Body("line 1\r\n"), Cmd.Body(Hex("00 FF 0D")), Cmd.Body("\n"), Cmd.Eom);
        Assert.Equal([Ascii("line 1\r\n"), Hex("00 FF 0D"), Ascii("\n")], harness.Handler.BodyChunks);
    }

    [Fact]
    public async Task A_sendmail_style_message_through_the_client_reaches_the_handler_as_Postfix_presents_it()
    {
        await using var harness = new SessionHarness(Handler(leadingSpace: false));
        await harness.NegotiateAndConnectAsync(MtaProfile.Postfix2);
        await harness.ExchangeAsync(2, Cmd.Mail(""), Cmd.Rcpt("b@example.org"));
        var result = await harness.Client.SendContentAsync(Ascii("Subject: hi\n there\nX-Empty:\n\nline\n")).WaitAsync(SessionHarness.Timeout);
        Assert.Equal(C, result.Final);
        Assert.Equal([("Subject", Ascii(" hi\r\n there")), ("X-Empty", Ascii(""))],
            harness.Handler.Headers.Select(h => (h.Name, h.RawValue)));
        Assert.Equal(Ascii("line\r\n"), harness.Handler.BodyChunks.Single());
    }

    public static TheoryData<string, string, string> ConnectFamilies => new()
    {
        { "4", "127.0.0.1", "127.0.0.1" },
        { "6", "2001:db8::1", "2001:db8::1" },
        { "6", "IPv6:2001:db8::1", "2001:db8::1" },
        { "L", "/var/run/s", "/var/run/s" },
        { "U", "", "" },
    };

    [Theory]
    [MemberData(nameof(ConnectFamilies))]
    public async Task CONNECT_is_delivered_for_every_family(string family, string onTheWire, string expected)
    {
        byte[] payload = family == "U"
            ? Concat(Ascii("unknown\0U"))
            : Concat(Ascii("client.example\0"), Ascii(family), Hex("01 BB"), Ascii(onTheWire + "\0"));
        await using var harness = new SessionHarness();
        await harness.ExchangeAsync(1, Cmd.Optneg6);
        await harness.SendRawAsync(Concat(Hex($"00 00 00 {payload.Length + 1:X2}"), Ascii("C"), payload));
        Assert.Equal(C, await harness.ReadReplyAsync());
        var connect = harness.Handler.Connects.Single();
        Assert.Equal((ConnectionFamily)family[0], connect.Family);
        Assert.Equal(expected, connect.Address);
        Assert.Equal(family == "U" ? (ushort)0 : (ushort)443, connect.Port);
        Assert.Same(connect, harness.Session.Context.Connection);
    }

    [Fact]
    public async Task UNKNOWN_and_HELO_are_delivered()
    {
        await using var harness = new SessionHarness();
        await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, new HeloCommand("[192.0.2.1]"), Cmd.Unknown("XFOO bar baz"));
        Assert.Equal("[192.0.2.1]", harness.Handler.Helos.Single());
        Assert.Equal("XFOO bar baz", harness.Handler.UnknownLines.Single());
        Assert.Equal("[192.0.2.1]", harness.Session.Context.HeloName);
    }
}

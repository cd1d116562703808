using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Session;

/// <summary>OPTNEG against Postfix's exact offers: never more version or bits than offered.</summary>
public class NegotiationTests
{
    private const ProtocolOptions AllNoReply = ProtocolOptions.NoReplyConnect | ProtocolOptions.NoReplyHelo | ProtocolOptions.NoReplyMail
        | ProtocolOptions.NoReplyRecipient | ProtocolOptions.NoReplyData | ProtocolOptions.NoReplyUnknown | ProtocolOptions.NoReplyHeader
        | ProtocolOptions.NoReplyEndOfHeaders | ProtocolOptions.NoReplyBody;

    /// <summary>What the real OpenDKIM asks for: ADDHDRS CHGHDRS (+ SETSYMLIST for its macro list) and
    /// NOHELO NOUNKNOWN NODATA SKIP HDR_LEADSPC.</summary>
    private static MilterNegotiation OpenDkimLike(bool withMacros) => new(
        MilterActions.AddHeaders | MilterActions.ChangeHeaders,
        ProtocolOptions.NoHelo | ProtocolOptions.NoUnknown | ProtocolOptions.NoData | ProtocolOptions.Skip | ProtocolOptions.HeaderLeadingSpace,
        withMacros ? new Dictionary<MacroStage, string> { [MacroStage.EndOfMessage] = "i" } : null);

    public static TheoryData<string> ProfileNames => ["Postfix2", "Postfix3", "Postfix4", "Postfix6"];

    private static MtaProfile Profile(string name) => name switch
    {
        "Postfix2" => MtaProfile.Postfix2,
        "Postfix3" => MtaProfile.Postfix3,
        "Postfix4" => MtaProfile.Postfix4,
        "Postfix6" => MtaProfile.Postfix6,
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Fact]
    public void The_Postfix_profiles_are_what_Postfix_3_7_offers()
    {
        Assert.Equal(new MtaProfile(2, (MilterActions)0x1FF, (ProtocolOptions)0x7F), MtaProfile.Postfix2);
        Assert.Equal(new MtaProfile(3, (MilterActions)0x1FF, (ProtocolOptions)0x17F), MtaProfile.Postfix3);
        Assert.Equal(new MtaProfile(4, (MilterActions)0x1FF, (ProtocolOptions)0x37F), MtaProfile.Postfix4);
        Assert.Equal(new MtaProfile(6, (MilterActions)0x1FF, (ProtocolOptions)0x1FFFFF), MtaProfile.Postfix6);
    }

    [Theory]
    [MemberData(nameof(ProfileNames))]
    public async Task The_reply_version_is_the_offered_version(string profileName)
    {
        var profile = Profile(profileName);
        await using var harness = new SessionHarness();
        var reply = await harness.Client.NegotiateAsync(profile).WaitAsync(SessionHarness.Timeout);

        Assert.Equal(profile.Version, reply.Version);
        Assert.Equal(MilterActions.None, reply.Actions);
        Assert.Equal(ProtocolOptions.None, reply.Protocol);
        Assert.Empty(reply.MacroRequests);
        Assert.Equal(new NegotiationOffer(profile.Version, profile.Actions, profile.Protocol), harness.Handler.Offer);
        Assert.Equal(new NegotiatedProtocol(profile.Version, MilterActions.None, ProtocolOptions.None), harness.Session.Context.Negotiated);
    }

    [Theory]
    [MemberData(nameof(ProfileNames))]
    public async Task A_handler_asking_for_everything_gets_exactly_what_was_offered(string profileName)
    {
        var profile = Profile(profileName);
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation((MilterActions)uint.MaxValue, (ProtocolOptions)uint.MaxValue,
                new Dictionary<MacroStage, string> { [MacroStage.Connect] = "j" }),
        };
        await using var harness = new SessionHarness(handler);
        var reply = await harness.Client.NegotiateAsync(profile).WaitAsync(SessionHarness.Timeout);

        Assert.Equal(profile.Version, reply.Version);
        Assert.Equal(profile.Actions, reply.Actions);
        Assert.Equal(profile.Protocol, reply.Protocol);
        Assert.Equal(reply.Protocol, harness.Session.Context.Negotiated!.Protocol);
    }

    [Theory]
    [MemberData(nameof(ProfileNames))]
    public async Task No_reply_bit_is_outside_the_offer_whatever_the_handler_asks(string profileName)
    {
        var profile = Profile(profileName);
        // Each single bit, and a few mixtures.
        var requests = Enumerable.Range(0, 32).Select(bit => 1u << bit).Concat([0x100702u, 0xFFFFF000u, 0x0u]);
        foreach (uint bits in requests)
        {
            var handler = new RecordingHandler { Wanted = new MilterNegotiation((MilterActions)bits, (ProtocolOptions)bits) };
            await using var harness = new SessionHarness(handler);
            var reply = await harness.Client.NegotiateAsync(profile).WaitAsync(SessionHarness.Timeout);
            Assert.Equal(profile.Version, reply.Version);
            Assert.Equal(bits & (uint)profile.Actions, (uint)reply.Actions);
            Assert.Equal(bits & (uint)profile.Protocol, (uint)reply.Protocol);
        }
    }

    [Fact]
    public async Task At_version_2_no_reply_flags_leading_space_and_skip_are_never_granted()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders,
                AllNoReply | ProtocolOptions.HeaderLeadingSpace | ProtocolOptions.Skip | ProtocolOptions.NoUnknown | ProtocolOptions.NoData
                | ProtocolOptions.NoHelo | ProtocolOptions.SendRejectedRecipients | ProtocolOptions.MaxDataSize1M),
            Decide = (step, _) => step == "BODY" ? MilterDecision.Skip : null,
        };
        await using var harness = new SessionHarness(handler);
        var reply = await harness.Client.NegotiateAsync(MtaProfile.Postfix2).WaitAsync(SessionHarness.Timeout);
        Assert.Equal((2u, MilterActions.AddHeaders, ProtocolOptions.NoHelo), (reply.Version, reply.Actions, reply.Protocol));

        // And the session behaves accordingly: every step is answered, values are without leading space,
        // SKIP is not sent.
        await harness.SendAsync(Cmd.Connect, Cmd.Mail(), Cmd.Rcpt(), Cmd.Header("Subject", "hi"), Cmd.Eoh, Cmd.Body("x"), Cmd.Eom);
        var replies = await harness.FinishAsync();
        Assert.Equal(7, replies.Count);
        Assert.All(replies, r => Assert.Equal(SimpleReply.Continue, r));
        Assert.Equal(Ascii(" hi"), harness.Handler.Headers.Single().RawValue);
    }

    [Theory]
    [InlineData(2u, 2u)]
    [InlineData(3u, 3u)]
    [InlineData(4u, 4u)]
    [InlineData(5u, 5u)]
    [InlineData(6u, 6u)]
    [InlineData(7u, 6u)]
    [InlineData(100u, 6u)]
    [InlineData(uint.MaxValue, 6u)]
    public async Task Reply_version_is_the_lower_of_the_offer_and_6(uint offered, uint expected)
    {
        await using var harness = new SessionHarness();
        var reply = await harness.Client.NegotiateAsync(new MtaProfile(offered, (MilterActions)0x1FF, (ProtocolOptions)0x1FFFFF))
            .WaitAsync(SessionHarness.Timeout);
        Assert.Equal(expected, reply.Version);
    }

    [Fact]
    public async Task OpenDKIM_like_request_at_version_6_is_answered_byte_for_byte()
    {
        await using var harness = new SessionHarness(new RecordingHandler { Wanted = OpenDkimLike(withMacros: false) });
        await harness.Client.NegotiateAsync(MtaProfile.Postfix6).WaitAsync(SessionHarness.Timeout);
        // 6, 0x111... without macro requests SETSYMLIST is not claimed: 6, 0x11, 0x100702.
        Assert.Equal(Concat(Hex("00 00 00 0D"), Ascii("O"), Hex("00 00 00 06 00 00 00 11 00 10 07 02")),
            Assert.Single(harness.Output.Writes));
    }

    [Fact]
    public async Task Macro_requests_add_SETSYMLIST_and_travel_as_stage_list_pairs()
    {
        await using var harness = new SessionHarness(new RecordingHandler { Wanted = OpenDkimLike(withMacros: true) });
        var reply = await harness.Client.NegotiateAsync(MtaProfile.Postfix6).WaitAsync(SessionHarness.Timeout);
        Assert.Equal((6u, (MilterActions)0x111, (ProtocolOptions)0x100702), (reply.Version, reply.Actions, reply.Protocol));
        Assert.Equal("i", Assert.Single(reply.MacroRequests, p => p.Key == MacroStage.EndOfMessage).Value);
        Assert.Equal(Concat(Hex("00 00 00 13"), Ascii("O"), Hex("00 00 00 06 00 00 01 11 00 10 07 02"), Hex("00 00 00 05"), Ascii("i\0")),
            Assert.Single(harness.Output.Writes));
    }

    [Fact]
    public async Task OpenDKIM_like_request_at_version_2_gets_2_0x111_0x2()
    {
        await using var harness = new SessionHarness(new RecordingHandler { Wanted = OpenDkimLike(withMacros: true) });
        var reply = await harness.Client.NegotiateAsync(MtaProfile.Postfix2).WaitAsync(SessionHarness.Timeout);
        Assert.Equal((2u, (MilterActions)0x111, (ProtocolOptions)0x2), (reply.Version, reply.Actions, reply.Protocol));
    }

    [Fact]
    public async Task Macro_lists_are_not_sent_when_SETSYMLIST_was_not_offered()
    {
        await using var harness = new SessionHarness(new RecordingHandler { Wanted = OpenDkimLike(withMacros: true) });
        var reply = await harness.Client.NegotiateAsync(new MtaProfile(6, (MilterActions)0xFF, (ProtocolOptions)0x1FFFFF))
            .WaitAsync(SessionHarness.Timeout);
        Assert.Equal((MilterActions)0x11, reply.Actions);
        Assert.Empty(reply.MacroRequests);
        // 13 bytes of payload: no pair at all.
        Assert.Equal(4 + 13, Assert.Single(harness.Output.Writes).Length);
    }

    [Fact]
    public async Task Several_macro_lists_go_out_in_stage_order()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.None, ProtocolOptions.None, new Dictionary<MacroStage, string>
            {
                [MacroStage.EndOfHeaders] = "i",
                [MacroStage.Connect] = "j {daemon_name}",
                [MacroStage.MailFrom] = "{auth_authen}",
            }),
        };
        await using var harness = new SessionHarness(handler);
        var reply = await harness.Client.NegotiateAsync(MtaProfile.Postfix6).WaitAsync(SessionHarness.Timeout);
        Assert.Equal(MilterActions.SetMacroList, reply.Actions);
        Assert.Equal(Concat(Hex("00 00 00 39"), Ascii("O"), Hex("00 00 00 06 00 00 01 00 00 00 00 00"),
                Hex("00 00 00 00"), Ascii("j {daemon_name}\0"),
                Hex("00 00 00 02"), Ascii("{auth_authen}\0"),
                Hex("00 00 00 06"), Ascii("i\0")),
            Assert.Single(harness.Output.Writes));
    }

    [Fact]
    public async Task No_reply_flags_are_granted_at_version_6()
    {
        var handler = new RecordingHandler { Wanted = new MilterNegotiation(MilterActions.None, AllNoReply | ProtocolOptions.Skip) };
        await using var harness = new SessionHarness(handler);
        var reply = await harness.Client.NegotiateAsync(MtaProfile.Postfix6).WaitAsync(SessionHarness.Timeout);
        Assert.Equal(AllNoReply | ProtocolOptions.Skip, reply.Protocol);
    }

    [Fact]
    public async Task A_handler_whose_Negotiate_throws_ends_the_session_without_a_reply()
    {
        var handler = new RecordingHandler { OnNegotiate = _ => throw new InvalidTimeZoneException("handler bug") };
        await using var harness = new SessionHarness(handler);
        await harness.SendAsync(Cmd.Optneg6);
        await harness.WaitForEndAsync();
        Assert.Empty(await harness.ReadRemainingAsync());
        Assert.Contains(harness.Logs.Entries, e => e.EventId.Id == 121 && e.Exception is InvalidTimeZoneException);
    }

    [Fact]
    public async Task An_MTA_that_does_not_offer_a_required_action_is_refused_at_negotiation()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders | MilterActions.ChangeHeaders, ProtocolOptions.None)
            {
                RequiredActions = MilterActions.AddHeaders | MilterActions.ChangeHeaders,
            },
        };
        await using var harness = new SessionHarness(handler);
        await harness.SendAsync(new Milter.Protocol.Commands.OptionNegotiationCommand(6, MilterActions.AddHeaders | MilterActions.Quarantine, ProtocolOptions.None));
        await harness.WaitForEndAsync();

        Assert.Empty(await harness.ReadRemainingAsync());
        var warning = Assert.Single(harness.Logs.Warnings);
        Assert.Contains("protocol error (RequiredActionsNotOffered): the MTA does not offer ChangeHeaders (offered 0x21)", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_MTA_that_offers_the_required_actions_is_served()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders, ProtocolOptions.None) { RequiredActions = MilterActions.AddHeaders },
        };
        await using var harness = new SessionHarness(handler);
        var reply = await harness.Client.NegotiateAsync(MtaProfile.Postfix2).WaitAsync(SessionHarness.Timeout);
        Assert.Equal(MilterActions.AddHeaders, reply.Actions);
    }
}

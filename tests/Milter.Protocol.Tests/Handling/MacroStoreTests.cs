using Milter.Protocol.Handling;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Tests.Handling;

public class MacroStoreTests
{
    [Theory]
    [InlineData("i")]
    [InlineData("{i}")]
    public void Plain_and_braced_names_find_a_plain_macro(string lookup)
    {
        var store = new MacroStore();
        store.Apply(Packets.Macros(CommandCode.Data, ("i", "4Xyz")));
        Assert.Equal("4Xyz", store.Get(lookup));
    }

    [Theory]
    [InlineData("daemon_name")]
    [InlineData("{daemon_name}")]
    public void Plain_and_braced_names_find_a_braced_macro(string lookup)
    {
        var store = new MacroStore();
        store.Apply(Packets.Macros(CommandCode.Connect, ("{daemon_name}", "smtpd")));
        Assert.Equal("smtpd", store.Get(lookup));
    }

    [Fact]
    public void Unknown_macro_is_null_and_an_empty_value_is_not()
    {
        var store = new MacroStore();
        Assert.Null(store.Get("i"));
        store.Apply(Packets.Macros(CommandCode.Mail, ("{auth_authen}", "")));
        Assert.Equal("", store.Get("auth_authen"));
        Assert.Null(store.Get("auth_type"));
        Assert.Null(store.Get("{auth"));
    }

    public static TheoryData<char, MacroStage> Stages => new()
    {
        { 'C', MacroStage.Connect },
        { 'H', MacroStage.Helo },
        { 'M', MacroStage.MailFrom },
        { 'R', MacroStage.Recipient },
        { 'T', MacroStage.Data },
        { 'E', MacroStage.EndOfMessage },
        { 'N', MacroStage.EndOfHeaders },
    };

    [Theory]
    [MemberData(nameof(Stages))]
    public void A_MACRO_packet_fills_the_stage_of_its_command(char command, MacroStage stage)
    {
        Assert.Equal(stage, MacroStore.StageOf((byte)command));
        var store = new MacroStore();
        store.Apply(Packets.Macros((byte)command, ("x", "1"), ("{y}", "2")));
        Assert.Equal(Packets.MacroList(("x", "1"), ("{y}", "2")), store.GetStage(stage));
        Assert.All(Enum.GetValues<MacroStage>().Where(s => s != stage), other => Assert.Empty(store.GetStage(other)));
    }

    [Theory]
    [InlineData('L')]
    [InlineData('B')]
    [InlineData('A')]
    [InlineData('Q')]
    [InlineData('K')]
    [InlineData('O')]
    [InlineData('U')]
    [InlineData('D')]
    [InlineData('Z')]
    public void Macros_for_other_commands_are_ignored_like_libmilter(char command)
    {
        Assert.Null(MacroStore.StageOf((byte)command));
        var store = new MacroStore();
        store.Apply(Packets.Macros(CommandCode.Data, ("i", "kept")));
        store.Apply(Packets.Macros((byte)command, ("i", "ignored"), ("x", "ignored")));
        Assert.Equal("kept", store.Get("i"));
        Assert.Null(store.Get("x"));
    }

    [Fact]
    public void A_MACRO_packet_replaces_its_stage_entirely()
    {
        var store = new MacroStore();
        store.Apply(Packets.Macros(CommandCode.Mail, ("i", "Q1"), ("{mail_addr}", "a@example.org")));
        store.Apply(Packets.Macros(CommandCode.Mail, ("{mail_addr}", "b@example.org")));
        Assert.Null(store.Get("i"));
        Assert.Equal("b@example.org", store.Get("mail_addr"));
        store.Apply(Packets.Macros(CommandCode.Mail));
        Assert.Null(store.Get("mail_addr"));
    }

    [Fact]
    public void Lookup_searches_the_highest_numbered_stage_first()
    {
        var store = new MacroStore();
        store.Apply(Packets.Macros(CommandCode.Connect, ("i", "connect")));
        Assert.Equal("connect", store.Get("i"));
        store.Apply(Packets.Macros(CommandCode.Mail, ("i", "mail")));
        Assert.Equal("mail", store.Get("i"));
        store.Apply(Packets.Macros(CommandCode.Recipient, ("{i}", "rcpt")));
        Assert.Equal("rcpt", store.Get("{i}"));
        store.Apply(Packets.Macros(CommandCode.Data, ("i", "data")));
        Assert.Equal("data", store.Get("i"));
        store.Apply(Packets.Macros(CommandCode.EndOfHeaders, ("i", "eoh")));
        Assert.Equal("eoh", store.Get("i"));
        // End of message is stage 5, end of headers stage 6: EOH still wins, as in libmilter.
        store.Apply(Packets.Macros(CommandCode.EndOfMessage, ("i", "eom")));
        Assert.Equal("eoh", store.Get("i"));
        Assert.Equal("connect", store.GetStage(MacroStage.Connect)[0].Value);
    }

    [Theory]
    [InlineData(MacroStage.Connect)]
    [InlineData(MacroStage.Helo)]
    [InlineData(MacroStage.MailFrom)]
    [InlineData(MacroStage.Recipient)]
    public void ClearAfter_clears_exactly_the_later_stages(MacroStage stage)
    {
        var store = new MacroStore();
        foreach (var s in Enum.GetValues<MacroStage>())
        {
            store.Set(s, Packets.MacroList(($"m{(int)s}", s.ToString())));
        }

        store.ClearAfter(stage);
        foreach (var s in Enum.GetValues<MacroStage>())
        {
            if (s <= stage)
            {
                Assert.Equal(s.ToString(), store.Get($"m{(int)s}"));
            }
            else
            {
                Assert.Empty(store.GetStage(s));
                Assert.Null(store.Get($"m{(int)s}"));
            }
        }
    }

    [Fact]
    public void Clear_clears_everything()
    {
        var store = new MacroStore();
        foreach (var s in Enum.GetValues<MacroStage>())
        {
            store.Set(s, Packets.MacroList(("x", "y")));
        }

        store.Clear();
        Assert.Null(store.Get("x"));
        Assert.All(Enum.GetValues<MacroStage>(), s => Assert.Empty(store.GetStage(s)));
    }
}

using Milter.Configuration.Messages;

namespace Milter.Configuration.Tests.Messages;

public sealed class FailureHandlingTests
{
    private static FailureHandling Read(string text) => FailureHandling.From(ConfigFileParser.Parse(text, "test.conf"));

    [Fact]
    public void Defaults_are_what_OpenDKIM_does()
    {
        var handling = Read("");
        Assert.Equal(FailureAction.Accept, handling.BadSignature);
        // Measured: OpenDKIM 2.11 accepts on SERVFAIL and timeouts whatever its manual's "tempfail" default says.
        Assert.Equal(FailureAction.Accept, handling.DnsError);
        Assert.Equal(FailureAction.TempFail, handling.InternalError);
        Assert.Equal(FailureAction.Accept, handling.KeyNotFound);
        Assert.Equal(FailureAction.Accept, handling.NoSignature);
        // Measured: a bad key tempfails in OpenDKIM 2.11, not the manual's "reject".
        Assert.Equal(FailureAction.TempFail, handling.SignatureError);
    }

    [Theory]
    [InlineData("a", FailureAction.Accept)]
    [InlineData("accept", FailureAction.Accept)]
    [InlineData("d", FailureAction.Discard)]
    [InlineData("Discard", FailureAction.Discard)]
    [InlineData("q", FailureAction.Quarantine)]
    [InlineData("quarantine", FailureAction.Quarantine)]
    [InlineData("R", FailureAction.Reject)]
    [InlineData("reject", FailureAction.Reject)]
    [InlineData("t", FailureAction.TempFail)]
    [InlineData("TEMPFAIL", FailureAction.TempFail)]
    public void Each_action_is_read_in_full_or_by_its_first_letter(string value, FailureAction expected)
    {
        Assert.Equal(expected, Read($"On-BadSignature {value}\n").BadSignature);
    }

    [Fact]
    public void On_Default_replaces_every_default_and_specific_settings_override_it()
    {
        var handling = Read("On-KeyNotFound tempfail\nOn-Default reject\n");
        Assert.Equal(FailureAction.Reject, handling.BadSignature);
        // A DNS failure is temporary by nature; OpenDKIM's On-Default never reached it either (measured).
        Assert.Equal(FailureAction.Accept, handling.DnsError);
        Assert.Equal(FailureAction.Reject, handling.NoSignature);
        Assert.Equal(FailureAction.Reject, handling.SignatureError);
        // Written before On-Default in the file, still the more specific setting.
        Assert.Equal(FailureAction.TempFail, handling.KeyNotFound);
    }

    [Fact]
    public void Every_action_round_trips_through_its_config_word()
    {
        foreach (var action in Enum.GetValues<FailureAction>())
        {
            Assert.True(FailureActions.TryParse(action.ToConfigValue(), out var parsed));
            Assert.Equal(action, parsed);
        }

        Assert.False(FailureActions.TryParse("rejetc", out _));
        Assert.False(FailureActions.TryParse("", out _));
    }
}

using System.Net;
using Milter.Configuration.Checks;
using Milter.Configuration.Policy;

namespace Milter.Configuration.Tests.Policy;

public sealed class SigningPolicyTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("user@example.com", "127.0.0.1", null, PolicyAction.Sign)]
    [InlineData("user@example.com", "192.0.2.1", null, PolicyAction.Verify)]
    [InlineData("user@example.com", "192.0.2.1", "bob", PolicyAction.Sign)]
    [InlineData("user@example.org", "127.0.0.1", null, PolicyAction.Verify)]
    [InlineData("user@sub.example.com", "127.0.0.1", null, PolicyAction.Verify)]
    public void Local_and_ours_signs_everything_else_verifies(string sender, string client, string? authenticatedAs, PolicyAction expected)
    {
        var policy = Policy("");

        var decision = policy.Decide(Facts(sender, client, authenticatedAs is null ? [] : new() { ["auth_type"] = "PLAIN", ["auth_authen"] = authenticatedAs }));

        Assert.Equal(expected, decision.Action);
        Assert.NotEmpty(decision.Reasons);
    }

    [Fact]
    public void A_signing_decision_names_the_key_domain_selector_and_signer()
    {
        var decision = Policy("").Decide(Facts("user@example.com", "127.0.0.1"));

        var key = Assert.Single(decision.Keys);
        Assert.Equal(("k1", "example.com", "sel", "@example.com"), (key.Key.Name, key.Domain, key.Key.Selector, key.Identity));
        Assert.Contains("SigningTable", decision.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void An_external_host_sending_as_our_domain_is_logged_unless_ignored()
    {
        Assert.Contains("external host 192.0.2.1 attempted to send as example.com", Policy("").Decide(Facts("u@example.com", "192.0.2.1")).Explanation, StringComparison.Ordinal);
        Assert.Contains("ExternalIgnoreList", Policy("ExternalIgnoreList 192.0.2.0/24\n").Decide(Facts("u@example.com", "192.0.2.1")).Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mode v\n", "127.0.0.1", PolicyAction.Nothing)]
    [InlineData("Mode v\n", "192.0.2.1", PolicyAction.Verify)]
    [InlineData("Mode s\n", "127.0.0.1", PolicyAction.Sign)]
    [InlineData("Mode s\n", "192.0.2.1", PolicyAction.Nothing)]
    [InlineData("PeerList 127.0.0.1\n", "127.0.0.1", PolicyAction.Nothing)]
    [InlineData("ExemptDomains example.com\n", "127.0.0.1", PolicyAction.Nothing)]
    [InlineData("InternalHosts 10.0.0.0/8\n", "127.0.0.1", PolicyAction.Verify)]
    [InlineData("InternalHosts 10.0.0.0/8\n", "10.9.8.7", PolicyAction.Sign)]
    [InlineData("DontSignMailTo rcpt@example.net\n", "127.0.0.1", PolicyAction.Nothing)]
    public void Mode_and_host_lists_change_the_decision(string extra, string client, PolicyAction expected)
    {
        Assert.Equal(expected, Policy(extra).Decide(Facts("user@example.com", client)).Action);
    }

    [Fact]
    public void MacroList_and_MTA_make_a_message_local()
    {
        var macros = new Dictionary<string, string> { ["daemon_name"] = "ORIGINATING" };

        Assert.Equal(PolicyAction.Sign, Policy("MacroList daemon_name=ORIGINATING\n").Decide(Facts("u@example.com", "192.0.2.1", macros)).Action);
        Assert.Equal(PolicyAction.Sign, Policy("MTA ORIGINATING\n").Decide(Facts("u@example.com", "192.0.2.1", macros)).Action);
        Assert.Equal(PolicyAction.Verify, Policy("MTA OTHER\n").Decide(Facts("u@example.com", "192.0.2.1", macros)).Action);
    }

    [Fact]
    public void Multiple_signatures_take_every_matching_entry()
    {
        string signingTable = _directory.Write("SigningTable2", "*@example.com k1\n*@example.com k2\n");
        string keyTable = _directory.Write("KeyTable2", "k1 example.com:sel:/dev/null\nk2 example.com:ed:/dev/null\n");
        string config = $"KeyTable refile:{keyTable}\nSigningTable refile:{signingTable}\n";

        Assert.Single(Build(config).Decide(Facts("u@example.com", "127.0.0.1")).Keys);
        Assert.Equal(["k1", "k2"], Build(config + "MultipleSignatures yes\n").Decide(Facts("u@example.com", "127.0.0.1")).Keys.Select(k => k.Key.Name));
    }

    [Theory]
    [InlineData("user@example.com", false, PolicyAction.Sign)]
    [InlineData("user@mail.example.com", false, PolicyAction.Verify)]
    [InlineData("user@mail.example.com", true, PolicyAction.Sign)]
    public void Single_key_mode_signs_for_Domain_and_with_SubDomains_its_subdomains(string sender, bool subDomains, PolicyAction expected)
    {
        var policy = Build($"Domain example.com\nKeyFile /dev/null\nSelector sel\nSubDomains {(subDomains ? "yes" : "no")}\n");

        var decision = policy.Decide(Facts(sender, "127.0.0.1"));

        Assert.Equal(expected, decision.Action);
        if (expected == PolicyAction.Sign)
        {
            Assert.Equal("example.com", Assert.Single(decision.Keys).Domain);
        }
    }

    [Fact]
    public void A_message_without_a_sender_is_only_verified()
    {
        var decision = Policy("").Decide(new MessageFacts(null, IPAddress.Loopback, null, MessageFacts.NoMacros, []));

        Assert.Equal(PolicyAction.Verify, decision.Action);
        Assert.Contains("no sender header", decision.Explanation, StringComparison.Ordinal);
    }

    private SigningPolicy Policy(string extra)
    {
        string keyTable = _directory.Write("KeyTable", "k1 example.com:sel:/dev/null\n");
        string signingTable = _directory.Write("SigningTable", "*@example.com k1:@%\n");
        return Build($"KeyTable refile:{keyTable}\nSigningTable refile:{signingTable}\n{extra}");
    }

    private static SigningPolicy Build(string config)
    {
        var diagnostics = new List<ConfigDiagnostic>();
        var policy = SigningPolicy.From(ConfigFileParser.Parse(config, "opendkim.conf"), diagnostics);
        Assert.Empty(diagnostics);
        return policy;
    }

    private static MessageFacts Facts(string sender, string client, Dictionary<string, string>? macros = null) =>
        new(sender, IPAddress.Parse(client), null, name => macros?.GetValueOrDefault(name), ["rcpt@example.net"]);
}

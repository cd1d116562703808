using Milter.Configuration.Options;

namespace Milter.Configuration.Tests.Options;

/// <summary>Accepted and refused values for every option type (OpenDKIM's answers are in OpenDkimCrossCheckTests).</summary>
public class OptionValueCheckerTests
{
    [Theory]
    // Booleans: the first character decides.
    [InlineData("Syslog", "yes", true)]
    [InlineData("Syslog", "True", true)]
    [InlineData("Syslog", "1yes", true)]
    [InlineData("Syslog", "no", true)]
    [InlineData("Syslog", "f", true)]
    [InlineData("Syslog", "0", true)]
    [InlineData("Syslog", "maybe", false)]
    [InlineData("Syslog", "2", false)]
    [InlineData("Syslog", "on", false)]
    // Integers: strtol base 0, and they must fit a C int.
    [InlineData("DNSTimeout", "5", true)]
    [InlineData("DNSTimeout", "-5", true)]
    [InlineData("UMask", "007", true)]
    [InlineData("UMask", "0x1ff", true)]
    [InlineData("UMask", "0X1F", true)]
    [InlineData("DNSTimeout", "2147483647", true)]
    [InlineData("DNSTimeout", "08", false)]
    [InlineData("DNSTimeout", "0x", false)]
    [InlineData("DNSTimeout", "5x", false)]
    [InlineData("DNSTimeout", "1e3", false)]
    [InlineData("DNSTimeout", "5 6", false)]
    [InlineData("DNSTimeout", "2147483648", false)]
    [InlineData("DNSTimeout", "99999999999999999999", false)]
    // Actions: whole words or first letters, any case.
    [InlineData("On-BadSignature", "accept", true)]
    [InlineData("On-BadSignature", "Reject", true)]
    [InlineData("On-BadSignature", "T", true)]
    [InlineData("On-BadSignature", "q", true)]
    [InlineData("On-BadSignature", "discard", true)]
    [InlineData("On-BadSignature", "acc", false)]
    [InlineData("On-BadSignature", "rejetc", false)]
    [InlineData("On-Default", "reject now", false)]
    // Canonicalization: header[/body].
    [InlineData("Canonicalization", "relaxed", true)]
    [InlineData("Canonicalization", "relaxed/simple", true)]
    [InlineData("Canonicalization", "Relaxed/SIMPLE", true)]
    [InlineData("Canonicalization", "relaxed/bogus", false)]
    [InlineData("Canonicalization", "relaxed/", false)]
    [InlineData("Canonicalization", "/simple", false)]
    [InlineData("Canonicalization", "relaxed/simple/simple", false)]
    // Mode: s and v, lower case.
    [InlineData("Mode", "sv", true)]
    [InlineData("Mode", "vs", true)]
    [InlineData("Mode", "s", true)]
    [InlineData("Mode", "ssv", true)]
    [InlineData("Mode", "S", false)]
    [InlineData("Mode", "sign", false)]
    [InlineData("Mode", "svx", false)]
    // user[:group].
    [InlineData("UserID", "opendkim", true)]
    [InlineData("UserID", "opendkim:opendkim", true)]
    [InlineData("UserID", "0", true)]
    [InlineData("UserID", "opendkim:", false)]
    [InlineData("UserID", ":opendkim", false)]
    [InlineData("UserID", "a:b:c", false)]
    // Rates.
    [InlineData("AutoRestartRate", "10/1h", true)]
    [InlineData("AutoRestartRate", "10/1H", true)]
    [InlineData("AutoRestartRate", "10/30", true)]
    [InlineData("AutoRestartRate", "0/1d", true)]
    [InlineData("AutoRestartRate", "10/0", false)]
    [InlineData("AutoRestartRate", "10/1w", false)]
    [InlineData("AutoRestartRate", "10/", false)]
    [InlineData("AutoRestartRate", "/1h", false)]
    [InlineData("AutoRestartRate", "-1/1h", false)]
    [InlineData("AutoRestartRate", "bogus", false)]
    // Sockets.
    [InlineData("Socket", "inet:8891@localhost", true)]
    [InlineData("Socket", "inet6:8891@[::1]", true)]
    [InlineData("Socket", "local:/run/opendkim/opendkim.sock", true)]
    [InlineData("Socket", "unix:/run/opendkim/opendkim.sock", true)]
    [InlineData("Socket", "inet:localhost:8891", false)]
    [InlineData("Socket", "inet:99999@localhost", false)]
    [InlineData("Socket", "bogus", false)]
    // Signature algorithms.
    [InlineData("SignatureAlgorithm", "rsa-sha256", true)]
    [InlineData("SignatureAlgorithm", "ed25519-sha256", true)]
    [InlineData("SignatureAlgorithm", "RSA-SHA256", true)]
    [InlineData("SignatureAlgorithm", "rsa-sha1", false)]
    [InlineData("SignatureAlgorithm", "ed25519", false)]
    // Key actions, ATPS hashes, Minimum.
    [InlineData("BogusKey", "neutral", true)]
    [InlineData("UnprotectedKey", "FAIL", true)]
    [InlineData("BogusKey", "reject", false)]
    [InlineData("ATPSHashAlgorithm", "sha256", true)]
    [InlineData("ATPSHashAlgorithm", "none", true)]
    [InlineData("ATPSHashAlgorithm", "md5", false)]
    [InlineData("Minimum", "500", true)]
    [InlineData("Minimum", "75%", true)]
    [InlineData("Minimum", "100%", true)]
    [InlineData("Minimum", "200+", true)]
    [InlineData("Minimum", "101%", false)]
    [InlineData("Minimum", "-1", false)]
    [InlineData("Minimum", "0x10", false)]
    [InlineData("Minimum", "4294967296", false)]
    [InlineData("Minimum", "10%x", false)]
    // Text and datasets take anything here (datasets are checked when loaded).
    [InlineData("AuthservID", "mx.example.com", true)]
    [InlineData("KeyTable", "ldap://ldap.example.com/", true)]
    public void Values_are_checked_against_their_type(string name, string value, bool accepted)
    {
        var config = ConfigFileParser.Parse($"# t\n{name} {value}\n", "t.conf");
        var entry = config.Find(name)!;

        var problem = OptionValueChecker.Check(config, entry, OptionTable.Find(name)!.Type);

        if (accepted)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.NotNull(problem);
            Assert.True(problem.IsError);
            Assert.Equal(("t.conf", 2, "illegal value"), (problem.File, problem.Line, problem.Problem));
            Assert.Contains(name, problem.Hint, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("Mode S", "Mode takes s (sign), v (verify) or sv, in lower case, not 'S'")]
    [InlineData("On-BadSignature rejetc", "On-BadSignature takes accept, discard, quarantine, reject or tempfail (or a, d, q, r, t), not 'rejetc'")]
    [InlineData("SignatureAlgorithm rsa-sha1", "SignatureAlgorithm rsa-sha1 is no longer allowed for signing (RFC 8301); use rsa-sha256 or ed25519-sha256")]
    [InlineData("Syslog maybe", "Syslog takes yes or no, not 'maybe'")]
    public void Hints_say_what_is_accepted(string line, string hint)
    {
        var config = ConfigFileParser.Parse(line, "t.conf");
        var entry = config.Entries.Values.Single();

        var problem = OptionValueChecker.Check(config, entry, OptionTable.Find(entry.Name)!.Type);

        Assert.Equal($"t.conf: configuration error at line 1: illegal value ({hint})", problem?.ToString());
    }
}

using Milter.Dkim.AuthenticationResults;
using Milter.Dkim.Verification;

namespace Milter.Dkim.Tests.AuthenticationResults;

public sealed class AuthenticationResultsFormatterTests
{
    private static readonly AuthenticationResultsOptions MilterWire = new() { NewLine = "\n" };

    private static DkimResult Result(DkimResultStatus status, string? reason = null, string? signature = "YTLy6VUcOBHx7Xfl0F5f", int? bits = 2048) =>
        new(status, reason, "example.com", "@example.com", "sel", "rsa-sha256", signature, bits);

    [Theory]
    [MemberData(nameof(OpenDkimCaptures.Names), MemberType = typeof(OpenDkimCaptures))]
    public void Matches_opendkim_byte_for_byte_on_the_milter_wire(string name)
    {
        var capture = OpenDkimCaptures.All[name];

        string value = AuthenticationResultsFormatter.Format(OpenDkimCaptures.AuthservId, capture.Results, MilterWire with { Dnssec = capture.Dnssec });

        Assert.Equal(capture.WireValue, value);
    }

    [Theory]
    [MemberData(nameof(OpenDkimCaptures.Names), MemberType = typeof(OpenDkimCaptures))]
    public void Default_is_the_same_with_crlf_folding_for_the_message(string name)
    {
        var capture = OpenDkimCaptures.All[name];

        string value = AuthenticationResultsFormatter.Format(OpenDkimCaptures.AuthservId, capture.Results, new AuthenticationResultsOptions { Dnssec = capture.Dnssec });

        Assert.Equal(capture.WireValue.Replace("\n", "\r\n", StringComparison.Ordinal), value);
    }

    [Fact]
    public void One_field_holds_every_signature_result()
    {
        string value = AuthenticationResultsFormatter.Format("mx", [Result(DkimResultStatus.Pass), Result(DkimResultStatus.Fail, "x", "Zzzzzzzzzzz")]);

        Assert.Equal(2, value.Split("\tdkim=").Length - 1);
        Assert.EndsWith(";\r\n\tdkim-atps=neutral", value, StringComparison.Ordinal);
        Assert.StartsWith(" mx;\r\n\tdkim=pass ", value, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsigned_message_gets_dkim_none_on_one_line()
    {
        Assert.Equal(" mx.example.net; dkim=none; dkim-atps=neutral", AuthenticationResultsFormatter.Format("mx.example.net", []));
    }

    [Fact]
    public void Atps_can_be_left_out()
    {
        var options = new AuthenticationResultsOptions { AddAtpsNeutral = false };

        Assert.Equal(" mx; dkim=none", AuthenticationResultsFormatter.Format("mx", [], options));
        Assert.Equal(" mx;\r\n\tdkim=pass (2048-bit key) header.d=example.com header.i=@example.com header.a=rsa-sha256 header.s=sel header.b=YTLy6VUc",
            AuthenticationResultsFormatter.Format("mx", [Result(DkimResultStatus.Pass)], options));
    }

    [Theory]
    [InlineData(DkimResultStatus.Pass, "pass")]
    [InlineData(DkimResultStatus.Fail, "fail")]
    [InlineData(DkimResultStatus.Neutral, "neutral")]
    [InlineData(DkimResultStatus.Policy, "policy")]
    [InlineData(DkimResultStatus.TempError, "temperror")]
    [InlineData(DkimResultStatus.PermError, "permerror")]
    [InlineData(DkimResultStatus.None, "none")]
    public void Every_result_has_its_rfc8601_name(DkimResultStatus status, string name)
    {
        string value = AuthenticationResultsFormatter.Format("mx", [Result(status, bits: null)]);

        Assert.Contains($"\tdkim={name} header.d=", value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DkimResultStatus.PermError, "no key for signature", " reason=\"no key for signature\"")]
    [InlineData(DkimResultStatus.TempError, "key query failed: timeout", " reason=\"key query failed: timeout\"")]
    [InlineData(DkimResultStatus.Fail, "say \"hi\" \\ now", " reason=\"say \\\"hi\\\" \\\\ now\"")]
    [InlineData(DkimResultStatus.Fail, "line\r\nbreak", " reason=\"linebreak\"")]
    [InlineData(DkimResultStatus.Pass, "ignored for pass", "")]
    [InlineData(DkimResultStatus.Fail, "", "")]
    public void Reason_is_a_quoted_string_for_anything_but_pass(DkimResultStatus status, string reason, string expected)
    {
        string value = AuthenticationResultsFormatter.Format("mx", [Result(status, reason, bits: null)]);

        Assert.Contains($"dkim={Name(status)}{expected} header.d=", value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KeyDnssecStatus.NotReported, "(1024-bit key)")]
    [InlineData(KeyDnssecStatus.Unprotected, "(1024-bit key; unprotected)")]
    [InlineData(KeyDnssecStatus.Secure, "(1024-bit key; secure)")]
    public void Key_size_comment_carries_the_dnssec_note(KeyDnssecStatus dnssec, string comment)
    {
        string value = AuthenticationResultsFormatter.Format("mx", [Result(DkimResultStatus.Pass, bits: 1024)], new AuthenticationResultsOptions { Dnssec = dnssec });

        Assert.Contains($"dkim=pass {comment} header.d=", value, StringComparison.Ordinal);
    }

    [Fact]
    public void No_key_size_comment_for_ed25519_or_without_a_key()
    {
        var ed25519 = new DkimResult(DkimResultStatus.Pass, null, "example.com", "@example.com", "ed", "ed25519-sha256", "Hc8Ciual7n", 256);

        string value = AuthenticationResultsFormatter.Format("mx", [ed25519, Result(DkimResultStatus.PermError, bits: null)]);

        Assert.DoesNotContain("bit key", value, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_identity_is_shown_as_at_domain_and_missing_fields_are_left_out()
    {
        var bare = new DkimResult(DkimResultStatus.PermError, "signature has no d= tag");
        var noIdentity = new DkimResult(DkimResultStatus.Pass, null, "example.com", null, "s", "rsa-sha256", "AAAAAAAAAA", 2048);

        Assert.Equal(" mx;\r\n\tdkim=permerror reason=\"signature has no d= tag\"", AuthenticationResultsFormatter.Format("mx", [bare], new AuthenticationResultsOptions { AddAtpsNeutral = false }));
        Assert.Contains(" header.i=@example.com ", AuthenticationResultsFormatter.Format("mx", [noIdentity]), StringComparison.Ordinal);
    }

    [Fact]
    public void Values_that_would_break_the_field_are_quoted_so_no_result_can_be_forged()
    {
        var hostile = new DkimResult(DkimResultStatus.Fail, null, "example.com", "x;dkim=pass (\"@example.com", "s", "rsa-sha256", "AAAAAAAAAA", null);

        string value = AuthenticationResultsFormatter.Format("mx", [hostile], new AuthenticationResultsOptions { AddAtpsNeutral = false });

        Assert.Equal(" mx;\r\n\tdkim=fail header.d=example.com header.i=\"x;dkim=pass (\\\"@example.com\" header.a=rsa-sha256 header.s=s header.b=AAAAAAAA", value);
    }

    [Fact]
    public void Signature_characters_slash_and_plus_stay_bare_as_opendkim_writes_them()
    {
        string value = AuthenticationResultsFormatter.Format("mx", [Result(DkimResultStatus.Pass, signature: "L2B2l+a/RJLHS")]);

        Assert.Contains(" header.b=L2B2l+a/;", value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "ABCDEFGHIJ" }, 8)]
    [InlineData(new[] { "ABCDEFGHIJ", "ZBCDEFGHIJ" }, 8)]
    [InlineData(new[] { "ABCDEFGHIJ", "ABCDEFGHIZ" }, 10)]
    [InlineData(new[] { "ABCDEFGHIJKLM", "ABCDEFGHIJ" }, 11)] // one is a prefix of the other
    [InlineData(new[] { "ABCDEFGHIJ", "ABCDEFGHIJ" }, 8)] // identical: cannot be told apart, stays 8
    [InlineData(new[] { "ABCDEFGHIJKL", "XYZ", "ABCDEFGHIJKZ" }, 12)] // one length for all, from the closest pair
    public void Header_b_grows_past_8_only_as_far_as_needed_to_tell_signatures_apart(string[] signatures, int expected)
    {
        var results = signatures.Select(signature => Result(DkimResultStatus.Pass, signature: signature)).ToArray();

        Assert.Equal(expected, AuthenticationResultsFormatter.SignaturePrefixLength(results));
    }

    [Fact]
    public void Short_or_missing_b_values_do_not_break_the_prefix()
    {
        string value = AuthenticationResultsFormatter.Format("mx", [Result(DkimResultStatus.PermError, signature: "abc"), Result(DkimResultStatus.PermError, signature: null)]);

        Assert.Contains(" header.b=abc;", value, StringComparison.Ordinal);
        Assert.Single(value.Split("header.b=").Skip(1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Authserv_id_is_required(string authservId)
    {
        Assert.ThrowsAny<ArgumentException>(() => AuthenticationResultsFormatter.Format(authservId, []));
    }

    [Fact]
    public void Authserv_id_with_a_space_is_quoted()
    {
        Assert.StartsWith(" \"my host\"; dkim=none", AuthenticationResultsFormatter.Format("my host", []), StringComparison.Ordinal);
    }

    private static string Name(DkimResultStatus status) => status switch
    {
        DkimResultStatus.Pass => "pass",
        DkimResultStatus.Fail => "fail",
        DkimResultStatus.TempError => "temperror",
        _ => "permerror",
    };
}

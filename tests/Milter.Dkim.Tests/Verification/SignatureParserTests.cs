using System.Text;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Verification;

namespace Milter.Dkim.Tests.Verification;

public class SignatureParserTests
{
    private const string Valid = " v=1; a=rsa-sha256; c=relaxed; d=example.com; s=sel; h=From : To:subject; bh=AAAA; b=BB BB";

    [Fact]
    public void Parses_every_tag_with_defaults()
    {
        var signature = Parse(Valid);

        Assert.Equal(DkimAlgorithm.RsaSha256, signature.Algorithm);
        Assert.Equal(new Canonicalizations(CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Simple), signature.Canonicalization);
        Assert.Equal(["From", "To", "subject"], signature.SignedHeaders);
        Assert.Equal("@example.com", signature.Identity);
        Assert.Equal("BBBB", signature.SignatureText);
        Assert.Null(signature.BodyLength);
    }

    [Fact]
    public void Default_canonicalization_is_simple_simple()
    {
        Assert.Equal(Canonicalizations.Default, Parse(Valid.Replace(" c=relaxed;", "", StringComparison.Ordinal)).Canonicalization);
    }

    [Theory]
    [InlineData("i=user@example.com", "user@example.com")]
    [InlineData("i=@mail.example.com", "@mail.example.com")]
    [InlineData("i=user=40x@example.com", "user@x@example.com")]
    public void Identity_is_decoded_and_may_be_a_subdomain(string tag, string expected)
    {
        Assert.Equal(expected, Parse(Valid + "; " + tag).Identity);
    }

    [Theory]
    [InlineData("l=123", 123L)]
    [InlineData("l=99999999999999999999999999999999999999999999999999999999999999999999999999", long.MaxValue)]
    public void Body_length_is_read_without_overflow(string tag, long expected)
    {
        Assert.Equal(expected, Parse(Valid + "; " + tag).BodyLength);
    }

    [Theory]
    [InlineData(" v=2; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB", "incompatible signature version")]
    [InlineData(" v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA", "missing required tag b=")]
    [InlineData(" a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB", "missing required tag v=")]
    [InlineData(" v=1; a=rsa-md5; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB", "unsupported signature algorithm")]
    [InlineData(" v=1; a=rsa-sha256; d=example.com; s=sel; h=To:Subject; bh=AAAA; b=BBBB", "From field not signed")]
    [InlineData(" v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB; i=user@example.org", "domain mismatch")]
    [InlineData(" v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB; i=user@badexample.com", "domain mismatch")]
    [InlineData(" v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB; t=200; x=100", "invalid expiration")]
    [InlineData(" v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB; t=1234567890123", "not a number")]
    [InlineData(" v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB; l=-5", "not a number")]
    [InlineData(" v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=B!BB", "b= is not base64")]
    [InlineData(" v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB; c=loose", "unsupported canonicalization")]
    [InlineData(" v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB; q=http", "unsupported query method")]
    [InlineData(" v=1; v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=BBBB", "duplicate tag")]
    public void Invalid_signatures_give_the_permerror_reason(string value, string expected)
    {
        Assert.False(SignatureParser.TryParse(Field(value), out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rsa_sha1_parses_so_that_policy_can_refuse_it()
    {
        Assert.Equal(DkimAlgorithm.RsaSha1, Parse(Valid.Replace("rsa-sha256", "rsa-sha1", StringComparison.Ordinal)).Algorithm);
    }

    [Theory]
    [InlineData(" v=1; b=abc; bh=xyz", " v=1; b=; bh=xyz")]
    [InlineData(" v=1; bh=xyz;\r\n\tb=ab\r\n\t cd", " v=1; bh=xyz;\r\n\tb=")]
    [InlineData(" v=1; bh=xyz; b = ab ; x=1", " v=1; bh=xyz; b =; x=1")]
    public void The_b_value_is_removed_for_hashing(string value, string expected)
    {
        Assert.Equal(expected, Encoding.ASCII.GetString(HeaderHash.WithoutSignatureValue(Encoding.ASCII.GetBytes(value))));
    }

    private static DkimSignature Parse(string value)
    {
        Assert.True(SignatureParser.TryParse(Field(value), out var signature, out string? error), error);
        return signature;
    }

    private static HeaderField Field(string value) => new("DKIM-Signature", Encoding.ASCII.GetBytes(value));
}

using System.Text;
using Microsoft.Extensions.Time.Testing;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Keys;
using Milter.Dkim.Signing;
using Milter.Dkim.Tests.TestSupport;
using Milter.Dkim.Verification;

namespace Milter.Dkim.Tests.Vectors;

/// <summary>
/// RFC 8463 Appendix A: a message signed by football.example.com with Ed25519 (selector brisbane) and RSA
/// (selector test, the RFC 6376 key), written here from the RFC text. Both must verify, and signing again with
/// the same tags and t= must give both b= values byte for byte (Ed25519 and RSASSA-PKCS1-v1_5 are deterministic).
/// </summary>
public class Rfc8463Tests
{
    internal const string Ed25519Seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
    internal const string Ed25519Record = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    internal const string RsaRecord = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

    internal const string RsaPrivateKey = """
        -----BEGIN RSA PRIVATE KEY-----
        MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi
        Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM
        KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB
        AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm
        6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe
        zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy
        6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc
        uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy
        WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd
        WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a
        licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst
        o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe
        uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL
        -----END RSA PRIVATE KEY-----
        """;

    internal static readonly byte[] Message = Encoding.ASCII.GetBytes(
        "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n" +
        " d=football.example.com; i=@football.example.com;\r\n" +
        " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n" +
        " subject : date : message-id : from : subject : date;\r\n" +
        " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n" +
        " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n" +
        " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n" +
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n" +
        " d=football.example.com; i=@football.example.com;\r\n" +
        " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n" +
        " date : message-id : from : subject : date;\r\n" +
        " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n" +
        " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n" +
        " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n" +
        " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n" +
        "From: Joe SixPack <joe@football.example.com>\r\n" +
        "To: Suzie Q <suzie@shopping.example.net>\r\n" +
        "Subject: Is dinner ready?\r\n" +
        "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n" +
        "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n" +
        "\r\n" +
        "Hi.\r\n" +
        "\r\n" +
        "We lost the game.  Are you hungry yet?\r\n" +
        "\r\n" +
        "Joe.\r\n" +
        "\r\n");

    private static readonly DateTimeOffset SigningTime = DateTimeOffset.FromUnixTimeSeconds(1528637909);

    [Fact]
    public async Task Both_signatures_verify()
    {
        var resolver = new FakeKeyResolver()
            .Add("brisbane", "football.example.com", Ed25519Record)
            .Add("test", "football.example.com", RsaRecord);
        var verifier = new DkimVerifier(resolver, new DkimVerifierOptions { TimeProvider = new FakeTimeProvider(SigningTime) });

        var results = await Messages.VerifyAsync(verifier, Message);

        Assert.Equal(2, results.Count);
        Assert.All(results, result => Assert.True(result.Status == DkimResultStatus.Pass, result.Reason));
        Assert.Equal(["ed25519-sha256", "rsa-sha256"], results.Select(result => result.Algorithm));
        Assert.Equal([256, 1024], results.Select(result => result.KeyBits ?? 0));
    }

    [Fact]
    public void The_ed25519_seed_gives_the_published_public_key()
    {
        using var key = Ed25519PrivateKey.FromSeed(Convert.FromBase64String(Ed25519Seed));

        Assert.Equal("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", key.PublicKey.ToRecordValue());
    }

    /// <summary>
    /// Re-signing: the header hash of the RFC's own DKIM-Signature fields (b= emptied) over the RFC's message,
    /// signed with the RFC's keys, must give the published b= exactly; the body hash must give the published bh=.
    /// </summary>
    [Theory]
    [InlineData(0, "ed25519")]
    [InlineData(1, "rsa")]
    public void Signing_again_with_the_same_tags_reproduces_b_and_bh_byte_for_byte(int signatureIndex, string keyType)
    {
        using DkimPrivateKey key = keyType == "ed25519"
            ? Ed25519PrivateKey.FromSeed(Convert.FromBase64String(Ed25519Seed))
            : PrivateKeyLoader.Parse(RsaPrivateKey, "RFC 6376 Appendix C key");
        var (headers, body) = Messages.Split(Message);
        var field = headers.Where(header => header.Name == "DKIM-Signature").ElementAt(signatureIndex);
        Assert.True(SignatureParser.TryParse(field, out var published, out string? error), error);

        var unsignedField = new HeaderField(field.Name, HeaderHash.WithoutSignatureValue(field.RawValue.Span));
        byte[] headerHash = HeaderHash.Compute(headers, published.SignedHeaders, CanonicalizationAlgorithm.Relaxed, unsignedField);
        using var bodyHasher = new BodyHasher(CanonicalizationAlgorithm.Relaxed, System.Security.Cryptography.HashAlgorithmName.SHA256);
        bodyHasher.Append(body);

        Assert.Equal(published.SignatureText, Convert.ToBase64String(key.SignHash(headerHash)));
        Assert.Equal("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", Convert.ToBase64String(bodyHasher.Finish()));
    }

    [Theory]
    [InlineData("ed25519", "brisbane")]
    [InlineData("rsa", "test")]
    public async Task Our_own_signature_of_the_rfc_message_verifies(string keyType, string selector)
    {
        using DkimPrivateKey key = keyType == "ed25519"
            ? Ed25519PrivateKey.FromSeed(Convert.FromBase64String(Ed25519Seed))
            : PrivateKeyLoader.Parse(RsaPrivateKey, "RFC 6376 Appendix C key");
        var signer = new DkimSigner(key, new DkimSigningOptions
        {
            Domain = "football.example.com",
            Selector = selector,
            Canonicalization = new Canonicalizations(CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Relaxed),
            TimeProvider = new FakeTimeProvider(SigningTime),
        });
        string text = Encoding.ASCII.GetString(Message);
        byte[] unsigned = Encoding.ASCII.GetBytes(text[text.IndexOf("From:", StringComparison.Ordinal)..]);
        var resolver = new FakeKeyResolver()
            .Add("brisbane", "football.example.com", Ed25519Record)
            .Add("test", "football.example.com", RsaRecord);
        var verifier = new DkimVerifier(resolver, new DkimVerifierOptions { TimeProvider = new FakeTimeProvider(SigningTime) });

        var signature = Messages.Sign(signer, unsigned);
        var result = Assert.Single(await Messages.VerifyAsync(verifier, Messages.Prepend(signature, unsigned)));

        Assert.True(result.Status == DkimResultStatus.Pass, result.Reason);
        Assert.Contains("bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;", signature.Value, StringComparison.Ordinal);
    }
}

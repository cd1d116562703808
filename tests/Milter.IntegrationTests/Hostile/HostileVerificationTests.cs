using System.Formats.Asn1;
using System.Numerics;
using System.Text;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Keys;
using Milter.Dkim.Signing;
using Milter.IntegrationTests.Handler;

namespace Milter.IntegrationTests.Hostile;

/// <summary>
/// Hostile or broken mail from a foreign client, verified by the real handler: l= tricks, keys too large or
/// malformed, no sender, many signatures. Each gets a defined dkim= result, reply and log line.
/// </summary>
public sealed class HostileVerificationTests
{
    private const string Config = "AuthservID test.example\nLogResults yes\nSyslogSuccess yes\n";

    private static async Task<MessageOutcome> VerifyAsync(HandlerRig rig, TestMessage message, string queueId)
    {
        await using var mta = await rig.ConnectExternalAsync();
        return await mta.SendAsync(message, queueId);
    }

    private static string ResultOf(MessageOutcome outcome) => outcome.ResultsValue.Split(";\n\t")[1];

    private static TestMessage Unsigned(string body = "Hello.\r\nThis is a test.\r\n") =>
        TestMessage.Create(from: "Sender <sender@example.net>", body: body);

    private static TestMessage SignWith(TestMessage message, DkimPrivateKey key, string selector, long? maximumSignedBytes = null)
    {
        var signer = new DkimSigner(key, new DkimSigningOptions
        {
            Domain = "example.net",
            Selector = selector,
            Canonicalization = Canonicalizations.Default,
            MaximumSignedBytes = maximumSignedBytes,
        });
        using var operation = signer.Begin();
        foreach (var (name, rawValue) in message.Headers)
        {
            operation.AddHeader(name, Encoding.UTF8.GetBytes(rawValue));
        }

        operation.AppendBody(Encoding.UTF8.GetBytes(message.Body));
        var signature = operation.Finish();
        return message.WithOnTop(signature.Name, signature.Value);
    }

    [Fact]
    public async Task Content_appended_after_l_still_passes_and_the_log_says_how_much_was_unsigned()
    {
        await using var rig = HandlerRig.Start(Config);
        var signed = SignWith(Unsigned(), TestKeys.Rsa, "sel2048", maximumSignedBytes: 8);
        var appended = signed.WithBody(signed.Body + "Click here: http://evil.example/\r\n");

        var outcome = await VerifyAsync(rig, appended, "HV01");

        // RFC 6376 8.2: l= lets anything be appended; what was signed is intact, so the signature passes. The
        // reader of the results decides what unsigned content means.
        outcome.AssertDelivered();
        Assert.StartsWith("dkim=pass ", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_l_longer_than_the_body_is_a_permerror()
    {
        await using var rig = HandlerRig.Start(Config);
        var signed = SignWith(Unsigned(), TestKeys.Rsa, "sel2048", maximumSignedBytes: 20);
        var shortened = signed.WithBody("Hello.\r\n");

        var outcome = await VerifyAsync(rig, shortened, "HV02");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=permerror reason=\"l= is longer than the body\"", ResultOf(outcome), StringComparison.Ordinal);
        Assert.Contains(rig.Log.Lines, line => line.Message.StartsWith("HV02: bad signature data (s=sel2048, d=example.net): l= is longer than the body", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("99999999999999999999999999999999999999999999999999999999999999999999999999")]
    [InlineData("9223372036854775808")]
    public async Task A_huge_l_is_clamped_and_is_a_permerror_not_an_overflow(string length)
    {
        await using var rig = HandlerRig.Start(Config);
        var signed = SignWith(Unsigned(), TestKeys.Rsa, "sel2048", maximumSignedBytes: 1000);
        var value = signed.Value("DKIM-Signature");
        var edited = signed.Replace("DKIM-Signature", System.Text.RegularExpressions.Regex.Replace(value, @"l=\d+", "l=" + length));

        var outcome = await VerifyAsync(rig, edited, "HV03");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=permerror reason=\"l= is longer than the body\"", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_with_a_77_digit_l_is_a_syntax_permerror()
    {
        await using var rig = HandlerRig.Start(Config);
        var signed = SignWith(Unsigned(), TestKeys.Rsa, "sel2048", maximumSignedBytes: 1000);
        var value = signed.Value("DKIM-Signature");
        var edited = signed.Replace("DKIM-Signature", System.Text.RegularExpressions.Regex.Replace(value, @"l=\d+", "l=" + new string('9', 77)));

        var outcome = await VerifyAsync(rig, edited, "HV04");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=permerror reason=\"signature syntax error: l=, t= or x= is not a number\"", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_8192_bit_key_verifies()
    {
        var key = HostileKeys.Rsa8192;
        var dns = HandlerRig.StandardDns().Publish("big", "example.net", $"v=DKIM1; k=rsa; p={key.PublicKey.ToRecordValue()}");
        await using var rig = HandlerRig.Start(Config, dns: dns);

        var outcome = await VerifyAsync(rig, SignWith(Unsigned(), key, "big"), "HV05");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=pass (8192-bit key; unprotected)", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_16384_bit_key_the_largest_accepted_is_used_and_a_foreign_signature_fails()
    {
        var dns = HandlerRig.StandardDns().Publish("large", "example.net", "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(RandomRsaPublicKey(16384, 65537)));
        await using var rig = HandlerRig.Start(Config, dns: dns);

        var outcome = await VerifyAsync(rig, SignWith(Unsigned(), TestKeys.Rsa, "large"), "HV06");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=fail reason=\"signature verification failed\" (16384-bit key; unprotected)", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_over_16384_bits_is_refused_before_any_RSA_operation()
    {
        var dns = HandlerRig.StandardDns().Publish("huge", "example.net", "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(RandomRsaPublicKey(32768, 65537)));
        await using var rig = HandlerRig.Start(Config, dns: dns);

        var outcome = await VerifyAsync(rig, SignWith(Unsigned(), TestKeys.Rsa, "huge"), "HV12");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=permerror reason=\"key too large (32768 bits; at most 16384 accepted)\" header.d=example.net", ResultOf(outcome), StringComparison.Ordinal);
        Assert.Contains(rig.Log.Lines, line => line.Message == "HV12: bad signature data (s=huge, d=example.net): key too large (32768 bits; at most 16384 accepted)");
    }

    [Fact]
    public async Task A_key_with_a_huge_public_exponent_is_refused()
    {
        // e as large as n turns a cheap verification into a private-key-sized operation per message.
        var dns = HandlerRig.StandardDns().Publish("exp", "example.net", "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(RandomRsaPublicKey(2048, BigInteger.Pow(2, 2046) + 1)));
        await using var rig = HandlerRig.Start(Config, dns: dns);

        var outcome = await VerifyAsync(rig, SignWith(Unsigned(), TestKeys.Rsa, "exp"), "HV07");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=permerror reason=\"public exponent too large (2047 bits; at most 64 accepted)\"", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v=DKIM1; k=rsa; p=!!!not base64!!!", "p= is not valid base64")]
    [InlineData("v=DKIM1; k=rsa; p=QUJDRA==", "p= is not DER-encoded key data")]
    [InlineData("v=DKIM1; k=rsa; p", "key record syntax error: tag without '=': 'p'")]
    [InlineData("v=DKIM1; k=rsa; k=rsa; p=QUJDRA==", "key record syntax error: duplicate tag 'k'")]
    [InlineData("v=DKIM1; k=unknown; p=QUJDRA==", "inappropriate key algorithm (k=unknown)")]
    [InlineData("\0\0\0", "key record syntax error: tag without '=': ''")]
    public async Task A_malformed_key_record_is_a_permerror(string record, string reason)
    {
        var dns = HandlerRig.StandardDns().Publish("bad", "example.net", record);
        await using var rig = HandlerRig.Start(Config, dns: dns);

        var outcome = await VerifyAsync(rig, SignWith(Unsigned(), TestKeys.Rsa, "bad"), "HV08");

        // The control characters of the last record are dropped from the quoted reason (they would break the field).
        outcome.AssertDelivered();
        Assert.StartsWith($"dkim=permerror reason=\"{reason}\" header.d=example.net", ResultOf(outcome), StringComparison.Ordinal);
        Assert.Contains(rig.Log.Lines, line => line.Message.StartsWith("HV08: bad signature data (s=bad, d=example.net): ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hundred_signatures_are_cut_to_three_look_ups()
    {
        await using var rig = HandlerRig.Start(Config);
        var message = Unsigned();
        for (int i = 0; i < 100; i++)
        {
            message = SignWith(message, TestKeys.Rsa, $"s{i}");
        }

        var outcome = await VerifyAsync(rig, message, "HV09");

        outcome.AssertDelivered();
        Assert.Equal(3, rig.Dns.Queries.Count);
        Assert.Equal(3, outcome.ResultsValue.Split(";\n\t").Count(part => part.StartsWith("dkim=", StringComparison.Ordinal) && !part.StartsWith("dkim-atps", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_signed_message_without_From_is_a_permerror_for_the_message()
    {
        await using var rig = HandlerRig.Start(Config);
        var signed = TestMessage.Create(from: "Sender <sender@example.net>").SignedBy(TestKeys.Rsa, "example.net", "sel2048").Without("From");

        var outcome = await VerifyAsync(rig, signed, "HV10");

        outcome.AssertDelivered();
        Assert.Equal(" test.example; dkim=permerror (bad message/signature format)", outcome.ResultsValue);
        rig.Log.Single("HV10: can't determine message sender; accepting");
    }

    [Fact]
    public async Task NUL_and_bare_CR_in_a_signed_body_verify()
    {
        await using var rig = HandlerRig.Start(Config);
        var signed = TestMessage.Create(from: "Sender <sender@example.net>", body: "a\0b\rc\nd\r\n").SignedBy(TestKeys.Rsa, "example.net", "sel2048");
        await using var mta = await rig.ConnectExternalAsync();

        var outcome = await ExactContent.SendAsync(mta, signed, "HV11");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=pass ", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_From_added_above_a_signature_covering_one_From_still_passes_as_with_OpenDKIM()
    {
        await using var rig = HandlerRig.Start(Config);
        var forged = SignWith(Unsigned(), TestKeys.Rsa, "sel2048").WithOnTop("From", " CEO <ceo@example.net>");

        var outcome = await VerifyAsync(rig, forged, "HV15");

        // h=From picks the bottom From, which is intact (RFC 6376 5.4.2); OversignHeaders From at the signer closes it.
        outcome.AssertDelivered();
        Assert.StartsWith("dkim=pass ", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_From_added_above_an_oversigned_From_fails()
    {
        await using var rig = HandlerRig.Start(Config);
        var signer = new DkimSigner(TestKeys.Rsa, new DkimSigningOptions
        {
            Domain = "example.net",
            Selector = "sel2048",
            Canonicalization = Canonicalizations.Default,
            OversignedHeaders = ["From"],
        });
        var message = Unsigned();
        using var operation = signer.Begin();
        foreach (var (name, rawValue) in message.Headers)
        {
            operation.AddHeader(name, Encoding.UTF8.GetBytes(rawValue));
        }

        operation.AppendBody(Encoding.UTF8.GetBytes(message.Body));
        var signature = operation.Finish();
        var forged = message.WithOnTop(signature.Name, signature.Value).WithOnTop("From", " CEO <ceo@example.net>");

        var outcome = await VerifyAsync(rig, forged, "HV16");

        Assert.StartsWith("dkim=fail reason=\"signature verification failed\"", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_NUL_inside_a_header_value_closes_that_session_with_a_warning()
    {
        await using var rig = await DnsFaults.DnsFaultRig.StartAsync(TimeSpan.FromSeconds(2));
        await using (var mta = await rig.ConnectAsync())
        {
            await mta.StartAsync("HV13");
            await mta.Client.HeaderAsync("Subject", Encoding.UTF8.GetBytes(" a NUL\0inside"));
            Assert.True(await mta.Client.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        }

        // One warning naming the peer and the reason; the milter goes on serving.
        var line = Assert.Single(rig.Log.Lines, line => line.Message.Contains(" closed: protocol error (", StringComparison.Ordinal));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, line.Level);
        Assert.Matches(@"^milter session \d+ from inet:\d+@127\.0\.0\.1 closed: protocol error \(MalformedPayload\): HEADER has 7 unexpected trailing byte\(s\)$", line.Message);
        rig.PublishKey("after");
        await using var next = await rig.ConnectAsync();
        Assert.StartsWith("dkim=pass ", ResultOf(await next.SendAsync(DnsFaults.DnsFaultRig.SignedMessage("after"), "HV14")), StringComparison.Ordinal);
    }

    // A SubjectPublicKeyInfo with a random odd modulus of exactly <paramref name="bits"/> bits: it loads as an RSA
    // key of that size (no private key exists for it, which does not matter to a verifier).
    private static byte[] RandomRsaPublicKey(int bits, BigInteger exponent)
    {
        var modulusBytes = new byte[bits / 8];
        new Random(bits).NextBytes(modulusBytes);
        modulusBytes[0] |= 0x80;
        modulusBytes[^1] |= 0x01;
        var modulus = new BigInteger(modulusBytes, isUnsigned: true, isBigEndian: true);
        var rsaPublicKey = new AsnWriter(AsnEncodingRules.DER);
        using (rsaPublicKey.PushSequence())
        {
            rsaPublicKey.WriteInteger(modulus);
            rsaPublicKey.WriteInteger(exponent);
        }

        var spki = new AsnWriter(AsnEncodingRules.DER);
        using (spki.PushSequence())
        {
            using (spki.PushSequence())
            {
                spki.WriteObjectIdentifier("1.2.840.113549.1.1.1");
                spki.WriteNull();
            }

            spki.WriteBitString(rsaPublicKey.Encode());
        }

        return spki.Encode();
    }
}

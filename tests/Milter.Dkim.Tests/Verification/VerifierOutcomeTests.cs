using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Keys;
using Milter.Dkim.Signing;
using Milter.Dkim.Tests.TestSupport;
using Milter.Dkim.Verification;

namespace Milter.Dkim.Tests.Verification;

/// <summary>Every outcome the verifier can give, each from a message built to produce it.</summary>
public sealed class VerifierOutcomeTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly byte[] Message = Encoding.UTF8.GetBytes(
        "From: Sender <sender@example.com>\r\n" +
        "To: someone@example.net\r\n" +
        "Subject: a  folded\r\n\tsubject with caf\u00e9\r\n" +
        "Date: Fri, 27 Nov 2026 18:00:00 +0000\r\n" +
        "\r\n" +
        "Body line one.\r\n" +
        "Body  line two.\r\n");

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly DkimPrivateKey _key;
    private readonly FakeKeyResolver _resolver = new();
    private readonly FakeTimeProvider _clock = new(Now);

    public VerifierOutcomeTests()
    {
        _key = PrivateKeyLoader.Parse(_rsa.ExportRSAPrivateKeyPem(), "test key");
        _resolver.Add("sel", "example.com", $"v=DKIM1; k=rsa; p={_key.PublicKey.ToRecordValue()}");
    }

    public void Dispose()
    {
        _key.Dispose();
        _rsa.Dispose();
    }

    [Theory]
    [InlineData("simple/simple")]
    [InlineData("simple/relaxed")]
    [InlineData("relaxed/simple")]
    [InlineData("relaxed/relaxed")]
    public async Task A_fresh_signature_passes_with_the_data_for_authentication_results(string canonicalization)
    {
        var result = await SignAndVerify(Options(canonicalization));

        Assert.Equal(DkimResultStatus.Pass, result.Status);
        Assert.Null(result.Reason);
        Assert.Equal("example.com", result.Domain);
        Assert.Equal("@example.com", result.Identity);
        Assert.Equal("sel", result.Selector);
        Assert.Equal("rsa-sha256", result.Algorithm);
        Assert.Equal(2048, result.KeyBits);
        Assert.True(result.Signature!.Length > 300);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(65535)]
    public async Task Body_chunk_size_does_not_matter(int chunkSize)
    {
        var signed = Messages.Prepend(Messages.Sign(Signer(Options("relaxed/relaxed")), Message), Message);

        var result = Assert.Single(await Messages.VerifyAsync(Verifier(), signed, chunkSize));

        Assert.Equal(DkimResultStatus.Pass, result.Status);
    }

    [Fact]
    public async Task A_changed_body_fails_on_the_body_hash()
    {
        var result = await SignAndVerify(Options("relaxed/relaxed"), signed => Replace(signed, "line two", "line 2"));

        Assert.Equal(DkimResultStatus.Fail, result.Status);
        Assert.Equal("body hash did not verify", result.Reason);
        Assert.Equal(DkimFailure.BodyHashMismatch, result.Failure);
    }

    [Fact]
    public async Task A_changed_signed_header_fails_on_the_signature()
    {
        var result = await SignAndVerify(Options("relaxed/relaxed"), signed => Replace(signed, "To: someone", "To: sameone"));

        Assert.Equal(DkimResultStatus.Fail, result.Status);
        Assert.Equal("signature verification failed", result.Reason);
        Assert.Equal(DkimFailure.SignatureMismatch, result.Failure);
    }

    [Fact]
    public async Task Relaxed_headers_survive_refolding_but_simple_ones_do_not()
    {
        static byte[] Refold(byte[] signed) => Replace(signed, "a  folded\r\n\tsubject", "a folded subject");

        Assert.Equal(DkimResultStatus.Pass, (await SignAndVerify(Options("relaxed/simple"), Refold)).Status);
        Assert.Equal(DkimResultStatus.Fail, (await SignAndVerify(Options("simple/simple"), Refold)).Status);
    }

    [Fact]
    public async Task An_added_header_instance_breaks_an_oversigned_signature_only()
    {
        // Above the original: bottom-up selection still picks the original for the one "Subject" in h=; only an
        // extra "Subject" in h= (oversigning) reaches the injected one, whose presence then breaks the hash.
        static byte[] AddSubject(byte[] signed) => Replace(signed, "From: Sender", "Subject: injected\r\nFrom: Sender");

        Assert.Equal(DkimResultStatus.Pass, (await SignAndVerify(Options("relaxed/relaxed"), AddSubject)).Status);
        var oversigned = Options("relaxed/relaxed") with { OversignedHeaders = ["Subject"] };
        Assert.Equal(DkimResultStatus.Fail, (await SignAndVerify(oversigned, AddSubject)).Status);
    }

    [Fact]
    public async Task No_key_record_is_a_permerror()
    {
        var result = await SignAndVerify(Options("relaxed/relaxed") with { Selector = "absent" });

        Assert.Equal(DkimResultStatus.PermError, result.Status);
        Assert.StartsWith("no key for signature", result.Reason, StringComparison.Ordinal);
        Assert.Equal(DkimFailure.KeyNotFound, result.Failure);
    }

    [Fact]
    public async Task A_dns_failure_is_a_temperror()
    {
        _resolver.Fail("sel", "example.com", KeyLookupResult.TemporaryFailure("SERVFAIL"));

        var result = await SignAndVerify(Options("relaxed/relaxed"));

        Assert.Equal(DkimResultStatus.TempError, result.Status);
        Assert.Equal(DkimFailure.KeyQueryFailed, result.Failure);
        Assert.Contains("SERVFAIL", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_key_is_a_permerror()
    {
        _resolver.Add("sel", "example.com", "v=DKIM1; k=rsa; p=");

        var result = await SignAndVerify(Options("relaxed/relaxed"));

        Assert.Equal(DkimResultStatus.PermError, result.Status);
        Assert.Contains("revoked", result.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(DkimFailure.KeyRevoked, result.Failure);
    }

    [Fact]
    public async Task The_first_record_that_parses_is_used_and_records_are_never_joined()
    {
        _resolver.Add("sel", "example.com", "v=spf1 -all", $"v=DKIM1; k=rsa; p={_key.PublicKey.ToRecordValue()}");

        Assert.Equal(DkimResultStatus.Pass, (await SignAndVerify(Options("relaxed/relaxed"))).Status);
    }

    [Fact]
    public async Task A_key_of_another_type_is_a_permerror()
    {
        _resolver.Add("sel", "example.com", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");

        var result = await SignAndVerify(Options("relaxed/relaxed"));

        Assert.Equal(DkimResultStatus.PermError, result.Status);
        Assert.Contains("inappropriate key algorithm", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_that_only_allows_sha1_is_a_permerror()
    {
        _resolver.Add("sel", "example.com", $"v=DKIM1; h=sha1; k=rsa; p={_key.PublicKey.ToRecordValue()}");

        var result = await SignAndVerify(Options("relaxed/relaxed"));

        Assert.Equal(DkimResultStatus.PermError, result.Status);
        Assert.Contains("inappropriate hash algorithm", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_strict_key_refuses_a_subdomain_identity()
    {
        _resolver.Add("sel", "example.com", $"v=DKIM1; t=s; k=rsa; p={_key.PublicKey.ToRecordValue()}");

        var result = await SignAndVerify(Options("relaxed/relaxed") with { Identity = "user@mail.example.com" });

        Assert.Equal(DkimResultStatus.PermError, result.Status);
        Assert.Contains("domain mismatch", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_under_1024_bits_is_policy()
    {
        using var small = RSA.Create(768);
        using var smallKey = new RsaPublicKeyHolder(small);
        _resolver.Add("sel", "example.com", $"v=DKIM1; k=rsa; p={Convert.ToBase64String(small.ExportSubjectPublicKeyInfo())}");

        var result = await SignAndVerify(Options("relaxed/relaxed"));

        Assert.Equal(DkimResultStatus.Policy, result.Status);
        Assert.Equal(768, result.KeyBits);
        Assert.Contains("key too small", result.Reason, StringComparison.Ordinal);
        Assert.Equal(DkimFailure.KeyTooSmall, result.Failure);
    }

    [Fact]
    public async Task Rsa_sha1_is_policy_without_asking_dns()
    {
        var signed = Messages.Prepend(Messages.Sign(Signer(Options("relaxed/relaxed")), Message), Message);
        signed = Replace(signed, "a=rsa-sha256", "a=rsa-sha1");

        var result = Assert.Single(await Messages.VerifyAsync(Verifier(), signed));

        Assert.Equal(DkimResultStatus.Policy, result.Status);
        Assert.Equal(DkimFailure.AlgorithmRefused, result.Failure);
        Assert.Equal(0, _resolver.Lookups);
    }

    [Fact]
    public async Task An_expired_signature_fails_and_clock_drift_is_allowed()
    {
        var options = Options("relaxed/relaxed") with { SignatureLifetime = TimeSpan.FromHours(1) };
        var signed = Messages.Prepend(Messages.Sign(Signer(options), Message), Message);

        _clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(299));
        Assert.Equal(DkimResultStatus.Pass, Assert.Single(await Messages.VerifyAsync(Verifier(), signed)).Status);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var result = Assert.Single(await Messages.VerifyAsync(Verifier(), signed));
        Assert.Equal(DkimResultStatus.Fail, result.Status);
        Assert.Equal("signature expired", result.Reason);
        Assert.Equal(DkimFailure.Expired, result.Failure);
    }

    [Fact]
    public async Task A_timestamp_in_the_future_is_refused()
    {
        // Signed by a host whose clock runs an hour ahead of ours.
        var ahead = Options("relaxed/relaxed") with { TimeProvider = new FakeTimeProvider(Now + TimeSpan.FromHours(1)) };
        var signed = Messages.Prepend(Messages.Sign(Signer(ahead), Message), Message);

        var result = Assert.Single(await Messages.VerifyAsync(Verifier(), signed));

        Assert.Equal(DkimResultStatus.PermError, result.Status);
        Assert.Contains("future", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_l_content_appended_after_signing_still_passes_and_is_reported_unsigned()
    {
        var options = Options("relaxed/relaxed") with { IncludeBodyLength = true };
        var signed = Messages.Prepend(Messages.Sign(Signer(options), Message), Message);
        byte[] appended = [.. signed, .. "Appended footer.\r\n"u8.ToArray()];

        var result = Assert.Single(await Messages.VerifyAsync(Verifier(), appended));

        Assert.Equal(DkimResultStatus.Pass, result.Status);
        Assert.Equal("Appended footer.\r\n".Length, result.UnsignedBodyBytes);
    }

    [Fact]
    public async Task Maximum_signed_bytes_limits_l()
    {
        var signature = Messages.Sign(Signer(Options("simple/simple") with { MaximumSignedBytes = 10 }), Message);

        Assert.Matches("[ \t]l=10;", signature.Value);
        Assert.Equal(DkimResultStatus.Pass, Assert.Single(await Messages.VerifyAsync(Verifier(), Messages.Prepend(signature, Message))).Status);
    }

    [Fact]
    public async Task A_malformed_signature_is_a_permerror_and_an_unsigned_message_has_no_result()
    {
        byte[] malformed = [.. "DKIM-Signature: v=1; a=rsa-sha256; d=example.com\r\n"u8.ToArray(), .. Message];

        var result = Assert.Single(await Messages.VerifyAsync(Verifier(), malformed));
        Assert.Equal(DkimResultStatus.PermError, result.Status);
        Assert.Contains("missing required tag", result.Reason, StringComparison.Ordinal);
        Assert.Empty(await Messages.VerifyAsync(Verifier(), Message));
    }

    [Fact]
    public async Task Only_the_first_three_signatures_are_evaluated_and_a_key_is_fetched_once()
    {
        var signer = Signer(Options("relaxed/relaxed"));
        byte[] signed = Message;
        for (int i = 0; i < 5; i++)
        {
            signed = Messages.Prepend(Messages.Sign(signer, signed), signed);
        }

        var results = await Messages.VerifyAsync(Verifier(), signed);

        Assert.Equal(3, results.Count);
        Assert.Equal(1, _resolver.Lookups);
    }

    [Fact]
    public async Task Ed25519_signatures_pass()
    {
        using var key = Ed25519PrivateKey.Generate();
        _resolver.Add("ed", "example.com", $"v=DKIM1; k=ed25519; p={key.PublicKey.ToRecordValue()}");
        var signer = new DkimSigner(key, Options("relaxed/relaxed") with { Selector = "ed" });

        var result = Assert.Single(await Messages.VerifyAsync(Verifier(), Messages.Prepend(Messages.Sign(signer, Message), Message)));

        Assert.Equal(DkimResultStatus.Pass, result.Status);
        Assert.Equal("ed25519-sha256", result.Algorithm);
        Assert.Equal(256, result.KeyBits);
    }

    private DkimSigningOptions Options(string canonicalization)
    {
        Assert.True(Canonicalizations.TryParse(canonicalization, out var parsed));
        return new DkimSigningOptions { Domain = "example.com", Selector = "sel", Canonicalization = parsed.Value, TimeProvider = _clock };
    }

    private DkimSigner Signer(DkimSigningOptions options) => new(_key, options);

    private DkimVerifier Verifier() => new(_resolver, new DkimVerifierOptions { TimeProvider = _clock });

    private async Task<DkimResult> SignAndVerify(DkimSigningOptions options, Func<byte[], byte[]>? tamper = null)
    {
        var signed = Messages.Prepend(Messages.Sign(Signer(options), Message), Message);
        return Assert.Single(await Messages.VerifyAsync(Verifier(), (tamper ?? (bytes => bytes))(signed)));
    }

    private static byte[] Replace(byte[] message, string from, string to)
    {
        string text = Encoding.UTF8.GetString(message);
        Assert.Contains(from, text, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text.Replace(from, to, StringComparison.Ordinal));
    }

    /// <summary>Keeps a small RSA key alive for the duration of a test (only its public half is published).</summary>
    private sealed class RsaPublicKeyHolder(RSA rsa) : IDisposable
    {
        public void Dispose() => rsa.Dispose();
    }
}

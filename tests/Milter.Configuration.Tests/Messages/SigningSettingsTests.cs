using Milter.Configuration.Messages;
using Milter.Dkim;
using Milter.Dkim.Canonicalization;

namespace Milter.Configuration.Tests.Messages;

public sealed class SigningSettingsTests
{
    private static SigningSettings Read(string text)
    {
        var problems = new List<ConfigurationException>();
        var settings = SigningSettings.From(ConfigFileParser.Parse(text, "test.conf"), problems);
        Assert.Empty(problems);
        return settings;
    }

    [Fact]
    public void Defaults_are_OpenDKIMs()
    {
        var settings = Read("");
        Assert.Equal(Canonicalizations.Default, settings.Canonicalization);
        Assert.Equal(DkimAlgorithm.RsaSha256, settings.Algorithm);
        Assert.Contains("Subject", settings.SignedHeaders);
        Assert.Contains("Received", settings.OmittedHeaders);
        Assert.Contains("Bcc", settings.OmittedHeaders);
        Assert.Empty(settings.OversignedHeaders);
        Assert.Null(settings.SignatureLifetime);
        Assert.Null(settings.MaximumSignedBytes);
        Assert.False(settings.RemoveOldSignatures);
        Assert.Equal(["From"], settings.SenderHeaders);
    }

    [Theory]
    [InlineData("relaxed", CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Simple)]
    [InlineData("relaxed/relaxed", CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Relaxed)]
    [InlineData("simple/relaxed", CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Relaxed)]
    [InlineData("Relaxed/Simple", CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Simple)]
    public void Canonicalization_is_header_then_body(string value, CanonicalizationAlgorithm header, CanonicalizationAlgorithm body)
    {
        Assert.Equal(new Canonicalizations(header, body), Read($"Canonicalization {value}\n").Canonicalization);
    }

    [Fact]
    public void Every_setting_is_read()
    {
        var settings = Read("""
            SignatureAlgorithm ed25519-sha256
            SignHeaders To,Subject
            OmitHeaders *,+X-Spam-Status
            OversignHeaders From
            SignatureTTL 3600
            MaximumSignedBytes 1000
            RemoveOldSignatures yes
            SenderHeaders Sender,From
            """);
        Assert.Equal(DkimAlgorithm.Ed25519Sha256, settings.Algorithm);
        // From must always be signed (RFC 6376 §5.4), so a list without it gets it back.
        Assert.Equal(["To", "Subject", "From"], settings.SignedHeaders);
        Assert.Contains("X-Spam-Status", settings.OmittedHeaders);
        Assert.Contains("Received", settings.OmittedHeaders);
        Assert.Equal(["From"], settings.OversignedHeaders);
        Assert.Equal(TimeSpan.FromHours(1), settings.SignatureLifetime);
        Assert.Equal(1000, settings.MaximumSignedBytes);
        Assert.True(settings.RemoveOldSignatures);
        Assert.Equal(["Sender", "From"], settings.SenderHeaders);
    }

    [Fact]
    public void From_cannot_be_omitted()
    {
        Assert.DoesNotContain("From", Read("OmitHeaders From,Received\n").OmittedHeaders, StringComparer.OrdinalIgnoreCase);
    }
}

using Milter.Dkim.Keys;
using Milter.Dkim.Tests.Keys;
using Milter.Dkim.Verification;

namespace Milter.Dkim.Tests.Verification;

/// <summary>The shared memo of parsed key records: one parse per record text, the same answer as parsing.</summary>
public sealed class ParsedKeyRecordsTests
{
    private static readonly string Rsa1024 = Convert.ToBase64String(TestKeyFiles.Der("rsa1024-public.pem"));

    [Fact]
    public void The_same_record_text_gives_the_same_parsed_key_without_parsing_again()
    {
        string text = $"v=DKIM1; k=rsa; n=memo-{Guid.NewGuid():N}; p={Rsa1024}";

        var first = ParsedKeyRecords.Parse(text);
        var second = ParsedKeyRecords.Parse(text);

        Assert.True(first.Success, first.Reason);
        Assert.Same(first, second);
        Assert.Equal(KeyRecordParser.Parse(text).Record!.PublicKey.KeyBits, first.Record.PublicKey.KeyBits);
    }

    [Fact]
    public void Failures_are_remembered_with_their_reason_and_other_text_is_another_entry()
    {
        string revoked = $"v=DKIM1; n=memo-{Guid.NewGuid():N}; p=";
        string changed = $"v=DKIM1; k=rsa; n=memo-{Guid.NewGuid():N}; p={Rsa1024}";

        Assert.Equal(KeyRecordError.Revoked, ParsedKeyRecords.Parse(revoked).Error);
        Assert.Same(ParsedKeyRecords.Parse(revoked), ParsedKeyRecords.Parse(revoked));
        Assert.True(ParsedKeyRecords.Parse(changed).Success);
        Assert.InRange(ParsedKeyRecords.Count, 1, ParsedKeyRecords.Capacity);
    }
}

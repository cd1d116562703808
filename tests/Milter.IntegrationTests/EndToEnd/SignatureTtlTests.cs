using System.Globalization;

namespace Milter.IntegrationTests.EndToEnd;

/// <summary>Done-when 5: SignatureTTL 3600 gives x= exactly t= + 3600, t= is now, and dkimpy accepts the signature.</summary>
public sealed class SignatureTtlTests
{
    [Fact]
    public async Task Expiry_is_the_signing_time_plus_the_ttl_and_dkimpy_verifies()
    {
        await using var rig = await SigningRig.StartAsync(new RigSetup
        {
            Options = new Dictionary<string, string> { ["SignatureTTL"] = "3600" },
        });
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        await rig.Postfix.SendSmtpAsync("signer@shjtest.o-r.kr", ["anyone@receiver.example"],
        [
            "From: Signer <signer@shjtest.o-r.kr>\r\n" +
            "To: anyone@receiver.example\r\n" +
            "Subject: expires in an hour\r\n" +
            "Date: Mon, 07 Oct 2024 12:00:00 +0900\r\n" +
            "Message-ID: <ttl@shjtest.o-r.kr>\r\n" +
            "\r\n" +
            "body\r\n",
        ]);

        var message = await rig.SingleDeliveryAsync();
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Assert.Single(message.Signatures);
        long signedAt = long.Parse(signature["t"], NumberStyles.None, CultureInfo.InvariantCulture);
        long expires = long.Parse(signature["x"], NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.InRange(signedAt, before - 1, after + 1);
        Assert.Equal(signedAt + 3600, expires);

        var verdict = Assert.Single(await rig.VerifyAsync(message));
        Assert.True(verdict.Pass, $"dkimpy: {verdict.Error}\n{message.Delivered.Text}");
        Assert.Single(await rig.SignatureLogLinesAsync(message.QueueId, expected: 1));
        Assert.Empty(rig.Postfix.ReadMailLogProblems());
        Assert.Empty(SigningRig.DaemonProblems(rig.Daemon.Output));
    }
}

using System.Net;
using System.Text;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Parity;
using Milter.IntegrationTests.Postfix;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// Signing parity with the real OpenDKIM 2.11: the same messages, the same configuration and the same key, sent
/// by a Postfix-6-like client to both: the signatures cover the same headers (h=) and the same body (bh=), carry
/// the same a=, c=, d=, s=, and dkimpy verifies both.
/// </summary>
public sealed class SigningParityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-signparity-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly string[] Messages =
    [
        "From: Root <root@shjtest.o-r.kr>\r\nTo: someone@example.net\r\nSubject: plain\r\nDate: Fri, 27 Nov 2026 21:00:00 +0000\r\n\r\nHello.\r\n",
        "From: root@shjtest.o-r.kr\r\nTo: a@example.net,\r\n\tb@example.net\r\nCc: c@example.net\r\nSubject:  folded\r\n  subject\t with tabs \r\n" +
            "Reply-To: r@shjtest.o-r.kr\r\nMessage-ID: <1@shjtest.o-r.kr>\r\nX-Mailer: test\r\n\r\nline one  \r\n\tline two\r\n\r\n\r\n",
        "From: \"R\u00f6ot\" <root@shjtest.o-r.kr>\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: 8bit\r\n\r\ncaf\u00e9 \u00fcber alles\r\n" + new string('x', 900) + "\r\n",
        "From: root@shjtest.o-r.kr\r\nSubject: empty body\r\n\r\n",
    ];

    [Theory]
    [InlineData("simple/simple")]
    [InlineData("relaxed/simple")]
    [InlineData("relaxed/relaxed")]
    public async Task OpenDKIM_and_we_sign_the_same_headers_and_body_and_both_verify(string canonicalization)
    {
        var key = await DkimKey.CopyBundledRsaAsync(_directory);
        File.WriteAllText(Path.Combine(_directory, "KeyTable"), $"{key.KeyName} {key.Domain}:{key.Selector}:{key.PrivateKeyPath}\n");
        File.WriteAllText(Path.Combine(_directory, "SigningTable"), $"*@{key.Domain} {key.KeyName}\n");
        string Config(int port) =>
            $"Socket inet:{port}@127.0.0.1\nBackground no\nSyslog no\nRequireSafeKeys no\nMode sv\nCanonicalization {canonicalization}\n" +
            "OversignHeaders From\n" +
            $"KeyTable refile:{_directory}/KeyTable\nSigningTable refile:{_directory}/SigningTable\n";
        int ourPort = FreePort.Pick(), theirPort = FreePort.Pick();
        string ours = Path.Combine(_directory, "ours.conf"), theirs = Path.Combine(_directory, "opendkim.conf");
        File.WriteAllText(ours, Config(ourPort));
        File.WriteAllText(theirs, Config(theirPort));
        await using var daemon = await DaemonProcess.StartAsync("-x", ours, "-f");
        await using var opendkim = await OpenDkimProcess.StartAsync(theirs, theirPort);

        var signedByUs = new List<byte[]>();
        var signedByThem = new List<byte[]>();
        for (int i = 0; i < Messages.Length; i++)
        {
            byte[] message = Encoding.UTF8.GetBytes(Messages[i]);
            string our = await SignAsync(ourPort, message, $"OURS{i}");
            string their = await SignAsync(theirPort, message, $"THEIRS{i}");
            var ourTags = Tags(our);
            var theirTags = Tags(their);
            foreach (string tag in new[] { "v", "a", "c", "d", "s", "h", "bh" })
            {
                Assert.True(theirTags.ContainsKey(tag), $"OpenDKIM's signature lacks {tag}=: {their}");
                Assert.Equal((tag, theirTags[tag]), (tag, ourTags[tag]));
            }

            Assert.Equal(canonicalization, ourTags["c"]);
            signedByUs.Add(Prepend(our, message));
            signedByThem.Add(Prepend(their, message));
        }

        var verdicts = await DkimpyVerifier.VerifyAsync([key], [.. signedByUs, .. signedByThem]);
        Assert.All(verdicts, perMessage => Assert.True(Assert.Single(perMessage).Pass, Assert.Single(perMessage).Error));
    }

    /// <summary>Sends one message as Postfix 6 would for a local client and returns the inserted signature's value
    /// in message form (leading space, CRLF folding).</summary>
    private static async Task<string> SignAsync(int port, byte[] message, string queueId)
    {
        await using var client = await MilterClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await client.NegotiateAsync(MtaProfile.Postfix6);
        await client.ConnectAsync("localhost", ConnectionFamily.Inet, 40000, "127.0.0.1");
        await client.MailAsync(["<root@shjtest.o-r.kr>"], [new("i", queueId)]);
        await client.RecipientAsync(["<someone@example.net>"], [new("i", queueId)]);
        var result = await client.SendContentAsync(message, queueId);
        var insert = Assert.IsType<InsertHeaderReply>(Assert.Single(result.Modifications, reply => reply is InsertHeaderReply { Name: "DKIM-Signature" }));
        Assert.Equal(0u, insert.Index);
        return Encoding.ASCII.GetString(insert.Value.Span).Replace("\n", "\r\n", StringComparison.Ordinal);
    }

    private static byte[] Prepend(string signatureValue, byte[] message) =>
        [.. Encoding.ASCII.GetBytes($"DKIM-Signature:{signatureValue}\r\n"), .. message];

    private static Dictionary<string, string> Tags(string value) =>
        value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(tag => tag.Split('=', 2))
            .ToDictionary(pair => pair[0].Trim(), pair => string.Concat(pair[1].Where(c => !char.IsWhiteSpace(c))));
}

using Milter.IntegrationTests.Handler;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.DnsFaults;

/// <summary>
/// No look-up storms, counted at the DNS server: a message with many signatures costs at most
/// MaximumSignaturesToVerify queries, and many messages waiting for the same key share one query.
/// </summary>
public sealed class LookupStormTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    // 100 signatures by example.net, each under its own selector s0..s99 (s0 on top), all published.
    private static TestMessage HundredSignatures(DnsFaultRig rig)
    {
        var message = TestMessage.Create(from: "Sender <sender@example.net>");
        for (int i = 99; i >= 0; i--)
        {
            rig.PublishKey($"s{i}");
            message = message.SignedBy(TestKeys.Rsa, DnsFaultRig.SignerDomain, $"s{i}");
        }

        return message;
    }

    [Theory]
    [InlineData("", 3)]
    [InlineData("MaximumSignaturesToVerify 5\n", 5)]
    public async Task A_hundred_signatures_cost_at_most_MaximumSignaturesToVerify_queries(string config, int maximum)
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout, config);
        var message = HundredSignatures(rig);
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(message, "STORM1");

        outcome.AssertDelivered();
        // The top ones, in order, one query each; the other 100 - maximum are not looked at.
        Assert.Equal(Enumerable.Range(0, maximum).Select(i => DnsFaultRig.KeyName($"s{i}")), rig.Dns.Queries.Select(query => query.Name));
        var results = outcome.ResultsValue.Split(";\n\t")[1..^1];
        Assert.Equal(maximum, results.Length);
        Assert.All(results, result => Assert.StartsWith("dkim=pass ", result, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fifty_messages_waiting_for_one_uncached_key_share_one_query()
    {
        // A try's share of this limit (15 s) is far longer than 50 connections take to reach end of headers, so
        // the one query is never repeated while the answer is held.
        await using var rig = await DnsFaultRig.StartAsync(TimeSpan.FromSeconds(30));
        var name = DnsFaultRig.KeyName("shared");
        // TTL 0: the answer is never cached, so only sharing the query in flight can keep the count at one.
        rig.Dns.SetTxt(name, 0, [.. Dns.LoopbackDnsServer.SplitIntoStrings(TestKeys.RsaRecord)]);
        var release = rig.Dns.HoldAnswers(name);
        var message = DnsFaultRig.SignedMessage("shared");
        var bytes = message.ToBytes();
        var connections = new List<MtaConnection>();
        try
        {
            // Every message gets to end of headers (where its look-up starts) while the answer is held.
            for (int i = 0; i < 50; i++)
            {
                var mta = await rig.ConnectAsync();
                connections.Add(mta);
                await mta.StartAsync($"SHARE{i}");
                foreach (var (headerName, rawValue) in message.Headers)
                {
                    await mta.Client.MessageHeaderAsync(headerName, System.Text.Encoding.UTF8.GetBytes(rawValue));
                }

                Assert.Equal(ReplyCode.Continue, (await mta.Client.EndOfHeadersAsync()).Code);
            }

            release.SetResult();
            var outcomes = await Task.WhenAll(connections.Select(async mta =>
            {
                await mta.Client.BodyAsync(System.Text.Encoding.UTF8.GetBytes(message.Body));
                return await mta.Client.EndOfMessageAsync();
            }));

            Assert.All(outcomes, outcome => Assert.Equal(ReplyCode.Continue, outcome.Final.Code));
            Assert.Equal(1, rig.Dns.QueryCount(name));
            Assert.Equal(50, rig.Log.Lines.Count(line => line.Message.EndsWith(": DKIM verification successful", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var mta in connections)
            {
                await mta.DisposeAsync();
            }
        }
    }
}

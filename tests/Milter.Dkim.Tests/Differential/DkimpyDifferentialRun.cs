using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Keys;
using Milter.Dkim.Signing;
using Milter.Dkim.Tests.TestSupport;
using Milter.Dkim.Verification;

namespace Milter.Dkim.Tests.Differential;

/// <summary>A verifier's answer: pass or not, and why.</summary>
internal sealed record Outcome(bool Pass, string Detail)
{
    public override string ToString() => Pass ? "pass" : $"fail ({Detail})";
}

/// <summary>A tamper with what each verifier said.</summary>
internal sealed record TamperOutcome(Tamper Tamper, Outcome Ours, Outcome Dkimpy);

/// <summary>Everything about one generated message.</summary>
internal sealed class MessageRun(GeneratedMessage generated)
{
    public GeneratedMessage Generated { get; } = generated;

    public MailMessage OursSigned { get; set; } = null!;

    public Outcome OursOnOurs { get; set; } = null!;

    public Outcome DkimpyOnOurs { get; set; } = null!;

    public List<TamperOutcome> OurTampers { get; } = [];

    public MailMessage? DkimpySigned { get; set; }

    public string? DkimpySignError { get; set; }

    public Outcome? OursOnDkimpy { get; set; }

    public List<TamperOutcome> DkimpyTampers { get; } = [];
}

/// <summary>One canonicalization input with both outputs.</summary>
internal sealed record CanonComparison(string Source, string Kind, CanonicalizationAlgorithm Algorithm, byte[] Input, byte[] Ours, byte[] Dkimpy);

/// <summary>
/// The whole dkimpy differential run, once per test class: generate the corpus (fixed seed), sign every message
/// with us and with dkimpy, cross-verify the originals and several single-byte tampers of each, and
/// canonicalize every header and body with both. dkimpy runs in ONE Python process for the run, answering two
/// batches: (1) dkimpy's signatures, (2) everything else. Our own work runs while Python works.
/// </summary>
public sealed class DkimpyDifferentialRun : IAsyncLifetime
{
    /// <summary>The default seed; DKIM_DIFFERENTIAL_SEED overrides it (and DKIM_DIFFERENTIAL_MESSAGES the count).</summary>
    public const int DefaultSeed = 6376;

    public const int DefaultMessages = 2000;
    private const int OurTampersPerMessage = 4;
    private const int DkimpyTampersPerMessage = 2;

    private readonly Dictionary<string, string> _records = new(StringComparer.OrdinalIgnoreCase);
    private RsaPrivateKey _rsa = null!;
    private Ed25519PrivateKey _ed25519 = null!;
    private DkimVerifier _verifier = null!;

    public int Seed { get; } = EnvironmentSeed;

    /// <summary>DKIM_DIFFERENTIAL_SEED, or <see cref="DefaultSeed"/>.</summary>
    internal static int EnvironmentSeed => EnvironmentNumber("DKIM_DIFFERENTIAL_SEED", DefaultSeed);

    public int Count { get; } = EnvironmentNumber("DKIM_DIFFERENTIAL_MESSAGES", DefaultMessages);

    internal List<MessageRun> Runs { get; } = [];

    internal List<CanonComparison> Canonicalizations { get; } = [];

    /// <summary>Known disagreements, by name: the input and both outputs (see DkimpyDifferentialTests.Known_disagreements_with_dkimpy_are_as_documented).</summary>
    internal Dictionary<string, CanonComparison> Known { get; } = [];

    /// <summary>Our signature over a message with a bare LF in its body, verified by both.</summary>
    internal (Outcome Ours, Outcome Dkimpy) BareLineFeed { get; private set; }

    public string DkimpyVersion { get; private set; } = "";

    public TimeSpan Elapsed { get; private set; }

    /// <summary>How long each stage took (dkimpy's and ours overlap).</summary>
    public List<(string Stage, TimeSpan Time)> Stages { get; } = [];

    public string Header(int index) => string.Create(CultureInfo.InvariantCulture,
        $"seed {Seed} (DKIM_DIFFERENTIAL_SEED), message #{index} ({Runs[index].Generated.Profile}, shapes: {Runs[index].Generated.Shapes})");

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        var keyRandom = new Random(Seed);
        byte[] seed = new byte[32];
        keyRandom.NextBytes(seed);
        _ed25519 = Ed25519PrivateKey.FromSeed(seed);
        _rsa = RsaPrivateKey.Generate(2048);
        var resolver = new FakeKeyResolver();
        foreach (string domain in MessageGenerator.Domains)
        {
            string rsaRecord = $"v=DKIM1; k=rsa; p={_rsa.PublicKey.ToRecordValue()}";
            string edRecord = $"v=DKIM1; k=ed25519; p={_ed25519.PublicKey.ToRecordValue()}";
            resolver.Add("rsa2048", domain, rsaRecord).Add("ed25519", domain, edRecord);
            _records[$"rsa2048._domainkey.{domain}."] = rsaRecord;
            _records[$"ed25519._domainkey.{domain}."] = edRecord;
        }

        _verifier = new DkimVerifier(resolver);
        Runs.AddRange(Enumerable.Range(0, Count).Select(i => new MessageRun(MessageGenerator.Generate(Seed, i))));

        await using var python = DkimpyProcess.Start();

        // Batch 1: dkimpy signs; meanwhile we sign, tamper and verify our own.
        string rsaPem = _rsa.ExportPkcs1Pem();
        string edSeed = Convert.ToBase64String(seed);
        var signJobs = Runs.Select(run => SignJob(run.Generated, rsaPem, edSeed)).ToList();
        var dkimpySigning = Timed("dkimpy batch 1 (sign)", () => python.RunAsync(new DkimpyRequest { Keys = _records, Sign = signJobs }));
        await Timed("ours: sign, tamper, verify our own", () => Task.Run(SignAndVerifyOurs));
        var signed = await dkimpySigning;
        DkimpyVersion = signed.Version;

        // Batch 2: dkimpy verifies ours (and tampers), its own tampers, and canonicalizes; meanwhile we verify dkimpy's.
        var verify = new List<byte[]>();
        foreach (var run in Runs)
        {
            verify.Add(run.OursSigned.ToBytes());
            verify.AddRange(run.OurTampers.Select(t => t.Tamper.Message));
        }

        foreach (var (run, result) in Runs.Zip(signed.Sign))
        {
            if (result.Signature is null)
            {
                run.DkimpySignError = result.Error ?? "no signature";
                continue;
            }

            run.DkimpySigned = run.Generated.Message.WithFieldOnTop(MailMessage.ParseField(result.Signature));
            var random = new Random(unchecked((Seed * 31) + run.Generated.Index));
            var field = run.DkimpySigned.Fields[0];
            foreach (var tamper in Tampering.Pick(random, run.DkimpySigned, MessageGenerator.SignedNames, run.Generated.Profile.Canonicalization,
                         Tampering.BodyLength(field.Value), DkimpyTampersPerMessage))
            {
                run.DkimpyTampers.Add(new TamperOutcome(tamper, null!, null!));
                verify.Add(tamper.Message);
            }
        }

        var canonCases = CanonicalizationCases();
        var knownCases = KnownCases();
        byte[] bareLineFeed = BareLineFeedMessage();
        verify.Add(bareLineFeed);
        var dkimpyRun = Timed("dkimpy batch 2 (verify, canonicalize)", () => python.RunAsync(new DkimpyRequest
        {
            Canon = [.. canonCases.Concat(knownCases.Select(known => known.Case)).Select(c => c.Request)],
            Verify = verify,
        }));
        await Timed("ours: verify dkimpy's", () => Task.Run(VerifyDkimpySigned));
        var ours = await Timed("ours: canonicalize", () => Task.Run(() => canonCases.Concat(knownCases.Select(known => known.Case)).Select(c => c.Ours()).ToList()));
        var bareLineFeedOurs = await VerifyOursAsync(bareLineFeed, int.MaxValue);
        var answer = await dkimpyRun;

        int next = 0;
        foreach (var run in Runs)
        {
            run.DkimpyOnOurs = Dkimpy(answer.Verify[next++]);
            for (int i = 0; i < run.OurTampers.Count; i++)
            {
                run.OurTampers[i] = run.OurTampers[i] with { Dkimpy = Dkimpy(answer.Verify[next++]) };
            }
        }

        foreach (var run in Runs)
        {
            for (int i = 0; i < run.DkimpyTampers.Count; i++)
            {
                run.DkimpyTampers[i] = run.DkimpyTampers[i] with { Dkimpy = Dkimpy(answer.Verify[next++]) };
            }
        }

        BareLineFeed = (bareLineFeedOurs, Dkimpy(answer.Verify[next++]));
        for (int i = 0; i < canonCases.Count; i++)
        {
            var c = canonCases[i];
            Canonicalizations.Add(new CanonComparison(c.Source, c.Request.Kind, c.Algorithm, c.Input, ours[i], answer.Canon[i]));
        }

        for (int i = 0; i < knownCases.Count; i++)
        {
            var c = knownCases[i].Case;
            Known[knownCases[i].Name] = new CanonComparison(c.Source, c.Request.Kind, c.Algorithm, c.Input, ours[canonCases.Count + i], answer.Canon[canonCases.Count + i]);
        }

        Elapsed = clock.Elapsed;
    }

    public Task DisposeAsync()
    {
        _rsa?.Dispose();
        _ed25519?.Dispose();
        return Task.CompletedTask;
    }

    private async Task<T> Timed<T>(string stage, Func<Task<T>> action)
    {
        var clock = Stopwatch.StartNew();
        T result = await action();
        lock (Stages)
        {
            Stages.Add((stage, clock.Elapsed));
        }

        return result;
    }

    private async Task Timed(string stage, Func<Task> action) => await Timed(stage, async () =>
    {
        await action();
        return true;
    });

    private static int EnvironmentNumber(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;

    private static Outcome Dkimpy(DkimpyVerifyResult result) => new(result.Pass, result.Error ?? "");

    private static DkimpySignJob SignJob(GeneratedMessage generated, string rsaPem, string edSeed)
    {
        var profile = generated.Profile;
        bool rsa = profile.Algorithm == DkimAlgorithm.RsaSha256;
        return new DkimpySignJob(
            generated.Message.ToBytes(), profile.Selector, profile.Domain, profile.Algorithm.ToTagValue(), rsa ? rsaPem : edSeed,
            Name(profile.Canonicalization.Header), Name(profile.Canonicalization.Body), profile.DkimpyHeaders, profile.BodyLength != BodyLengthMode.None);
    }

    private static string Name(CanonicalizationAlgorithm algorithm) => algorithm == CanonicalizationAlgorithm.Simple ? "simple" : "relaxed";

    private void SignAndVerifyOurs()
    {
        foreach (var run in Runs)
        {
            var generated = run.Generated;
            var profile = generated.Profile;
            var options = new DkimSigningOptions
            {
                Domain = profile.Domain,
                Selector = profile.Selector,
                Canonicalization = profile.Canonicalization,
                SignedHeaders = profile.SignedNames,
                OversignedHeaders = profile.Oversigned,
                Identity = profile.Identity,
                IncludeBodyLength = profile.BodyLength == BodyLengthMode.Full,
                MaximumSignedBytes = profile.BodyLength == BodyLengthMode.Limit ? profile.Limit : null,
            };
            var signer = new DkimSigner(profile.Algorithm == DkimAlgorithm.RsaSha256 ? _rsa : _ed25519, options);
            var signature = Messages.Sign(signer, generated.Message.ToBytes());
            run.OursSigned = generated.Message.WithFieldOnTop(new RawField(signature.Name, signature.RawValue));
            var random = new Random(unchecked((Seed * 17) + generated.Index));
            run.OursOnOurs = VerifyOursAsync(run.OursSigned.ToBytes(), ChunkSize(random)).GetAwaiter().GetResult();
            foreach (var tamper in Tampering.Pick(random, run.OursSigned, MessageGenerator.SignedNames, profile.Canonicalization,
                         Tampering.BodyLength(run.OursSigned.Fields[0].Value), OurTampersPerMessage))
            {
                run.OurTampers.Add(new TamperOutcome(tamper, VerifyOursAsync(tamper.Message, ChunkSize(random)).GetAwaiter().GetResult(), null!));
            }
        }
    }

    private void VerifyDkimpySigned()
    {
        foreach (var run in Runs.Where(run => run.DkimpySigned is not null))
        {
            var random = new Random(unchecked((Seed * 13) + run.Generated.Index));
            run.OursOnDkimpy = VerifyOursAsync(run.DkimpySigned!.ToBytes(), ChunkSize(random)).GetAwaiter().GetResult();
            for (int i = 0; i < run.DkimpyTampers.Count; i++)
            {
                run.DkimpyTampers[i] = run.DkimpyTampers[i] with { Ours = VerifyOursAsync(run.DkimpyTampers[i].Tamper.Message, ChunkSize(random)).GetAwaiter().GetResult() };
            }
        }
    }

    /// <summary>The body arrives whole, or in small or odd-sized chunks (streaming must not matter).</summary>
    private static int ChunkSize(Random random) => random.Next(4) switch
    {
        0 => int.MaxValue,
        1 => random.Next(1, 8),
        2 => 64,
        _ => 997,
    };

    private async Task<Outcome> VerifyOursAsync(byte[] message, int chunkSize)
    {
        var results = await Messages.VerifyAsync(_verifier, message, chunkSize);
        return results.Count == 1
            ? new Outcome(results[0].Status == DkimResultStatus.Pass, $"{results[0].Status}: {results[0].Reason}")
            : new Outcome(false, $"{results.Count} results");
    }

    private sealed record CanonCase(string Source, CanonicalizationAlgorithm Algorithm, byte[] Input, DkimpyCanonCase Request, Func<byte[]> Ours);

    /// <summary>Every header field and body of the corpus under both algorithms, and hand-picked edge cases.</summary>
    private List<CanonCase> CanonicalizationCases()
    {
        var cases = new List<CanonCase>();
        var algorithms = new[] { CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Relaxed };
        foreach (var run in Runs)
        {
            var message = run.Generated.Message;
            foreach (var algorithm in algorithms)
            {
                for (int f = 0; f < message.Fields.Count; f++)
                {
                    cases.Add(HeaderCase(string.Create(CultureInfo.InvariantCulture, $"message #{run.Generated.Index} field #{f}"), algorithm, message.Fields[f].Name, message.Fields[f].Value));
                }

                cases.Add(BodyCase(string.Create(CultureInfo.InvariantCulture, $"message #{run.Generated.Index} body"), algorithm, message.Body, run.Generated.Index));
            }
        }

        var headers = new (string Name, string Value)[]
        {
            ("Subject ", " x"), ("A", " X"), ("B ", " Y\t\r\n\tZ  "), ("Subject", ""), ("Subject", "   "), ("Subject", "\r\n x"),
            ("Subject", " \r\n \r\n "), ("X", "\t a \t b \t"), ("X", " caf\u00e9\u00a0ol\u00e9 "), ("X", "no-leading-space"), ("FROM", " A <a@b>"),
            ("X", " a\r\n\tb\r\n  c"), ("X", " " + new string('y', 1200)),
        };
        var bodies = new[]
        {
            "", "\r\n", "\r\n\r\n", " \r\n", "a", "a\r\n", "a\r\n\r\n", " a \r\n", "a\r\n \r\n", "\t\r\n\t\r\n", "a\rb\r\n", "a\r\r\n",
            "a \r\r\n", "\r", "a\r", "a \r", "a\nb\r\n", "a \nb\r\n", "a\n\r\n", "\n", "a  \t  b\r\n", "\r\n\r\na\r\n\r\n", " \t \r\n x\r\n",
        };
        foreach (var algorithm in algorithms)
        {
            cases.AddRange(headers.Select(h => HeaderCase($"edge header {Escaping.Escape(Encoding.UTF8.GetBytes(h.Name + ":" + h.Value))}", algorithm, h.Name, Encoding.UTF8.GetBytes(h.Value))));
            cases.AddRange(bodies.Select((b, i) => BodyCase($"edge body {Escaping.Escape(Encoding.UTF8.GetBytes(b))}", algorithm, Encoding.UTF8.GetBytes(b), i)));
        }

        return cases;
    }

    /// <summary>Inputs where we and dkimpy differ on purpose (none of them reaches us through SMTP).</summary>
    private static List<(string Name, CanonCase Case)> KnownCases() =>
    [
        ("relaxed body, unterminated last line with trailing WSP", BodyCase("known", CanonicalizationAlgorithm.Relaxed, "abc  "u8.ToArray(), 0)),
        ("relaxed body, unterminated whitespace-only last line", BodyCase("known", CanonicalizationAlgorithm.Relaxed, "abc\r\n \t"u8.ToArray(), 0)),
        ("relaxed header, bare CR in value", HeaderCase("known", CanonicalizationAlgorithm.Relaxed, "X", " a\rb"u8.ToArray())),
        ("relaxed header, bare LF in value", HeaderCase("known", CanonicalizationAlgorithm.Relaxed, "X", " a\nb"u8.ToArray())),
        ("relaxed header, VT at the end of the value", HeaderCase("known", CanonicalizationAlgorithm.Relaxed, "X", " x\v"u8.ToArray())),
    ];

    private static CanonCase HeaderCase(string source, CanonicalizationAlgorithm algorithm, string name, byte[] value) =>
        new(source, algorithm, [.. Encoding.Latin1.GetBytes(name + ":"), .. value], new DkimpyCanonCase("header", Name(algorithm), Name: Encoding.Latin1.GetBytes(name), Value: value), () =>
        {
            var output = new ArrayBufferWriter<byte>();
            HeaderCanonicalizer.Write(output, algorithm, name, value, terminate: true);
            return output.WrittenSpan.ToArray();
        });

    /// <summary>Ours streams the body in chunks whose sizes come from <paramref name="chunkSeed"/>.</summary>
    private static CanonCase BodyCase(string source, CanonicalizationAlgorithm algorithm, byte[] body, int chunkSeed) =>
        new(source, algorithm, body, new DkimpyCanonCase("body", Name(algorithm), Body: body), () =>
        {
            var output = new CollectingOutput();
            var canonicalizer = BodyCanonicalizer.Create(algorithm, output);
            var random = new Random(chunkSeed);
            for (int i = 0; i < body.Length;)
            {
                int size = Math.Min(body.Length - i, random.Next(3) == 0 ? random.Next(1, 4) : random.Next(1, 400));
                canonicalizer.Append(body.AsSpan(i, size));
                i += size;
            }

            canonicalizer.Finish();
            return output.Bytes.ToArray();
        });

    /// <summary>A simple/simple signature by us over a body with a bare LF.</summary>
    private byte[] BareLineFeedMessage()
    {
        var message = new MailMessage([new RawField("From", " a@example.com"u8.ToArray()), new RawField("Subject", " bare LF"u8.ToArray())], "one\ntwo\r\n"u8.ToArray());
        var signer = new DkimSigner(_rsa, new DkimSigningOptions { Domain = "example.com", Selector = "rsa2048" });
        var signature = Messages.Sign(signer, message.ToBytes());
        return message.WithFieldOnTop(new RawField(signature.Name, signature.RawValue)).ToBytes();
    }

    private sealed class CollectingOutput : ICanonicalOutput
    {
        public MemoryStream Bytes { get; } = new();

        public void Write(ReadOnlySpan<byte> bytes) => Bytes.Write(bytes);
    }
}

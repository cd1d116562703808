using System.Globalization;
using System.Text;
using Milter.Dkim.Canonicalization;
using Xunit.Abstractions;

namespace Milter.Dkim.Tests.Differential;

/// <summary>
/// dkimpy (Debian python3-dkim, through /usr/bin/python3) as an independent oracle over a generated corpus
/// (<see cref="DkimpyDifferentialRun"/>): each side verifies the other's signatures; single-byte tampers get the
/// same answer from both, and the answer a correct verifier must give; both canonicalize every header and body
/// byte for byte alike. Failures name the seed and message number and show the message escaped.
/// </summary>
/// <remarks>
/// To explore or reproduce: DKIM_DIFFERENTIAL_SEED=N changes the seed (default <see cref="DkimpyDifferentialRun.DefaultSeed"/>),
/// DKIM_DIFFERENTIAL_MESSAGES=N the corpus size; message #i depends only on the seed and i
/// (<see cref="MessageGenerator.Generate"/>).
/// </remarks>
public sealed class DkimpyDifferentialTests(DkimpyDifferentialRun run, ITestOutputHelper output) : IClassFixture<DkimpyDifferentialRun>
{
    private const int Shown = 5;

    [Fact]
    public void The_corpus_is_large_and_covers_every_shape()
    {
        var runs = run.Runs;
        int ourTampers = runs.Sum(r => r.OurTampers.Count);
        int dkimpyTampers = runs.Sum(r => r.DkimpyTampers.Count);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dkimpy {run.DkimpyVersion}; seed {run.Seed}; {runs.Count} messages; {ourTampers} tampers of our signatures, {dkimpyTampers} of dkimpy's; {run.Canonicalizations.Count} canonicalization comparisons; pipeline {run.Elapsed.TotalSeconds:F1} s"));
        foreach (var (stage, time) in run.Stages)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stage}: {time.TotalSeconds:F1} s"));
        }

        foreach (Shape shape in Enum.GetValues<Shape>().Where(s => s != Shape.None))
        {
            output.WriteLine($"{shape}: {runs.Count(r => r.Generated.Shapes.HasFlag(shape))}");
        }

        foreach (var group in runs.SelectMany(r => r.OurTampers.Concat(r.DkimpyTampers)).GroupBy(t => (t.Tamper.Kind, t.Tamper.ExpectPass)).OrderBy(g => g.Key))
        {
            output.WriteLine($"tamper {group.Key.Kind}, expected {(group.Key.ExpectPass ? "pass" : "fail")}: {group.Count()}");
        }

        if (run.Count < DkimpyDifferentialRun.DefaultMessages)
        {
            output.WriteLine("DKIM_DIFFERENTIAL_MESSAGES made the corpus smaller than the default: coverage not checked");
            return;
        }

        Assert.True(runs.Count >= 2000, "at least 2,000 messages");
        foreach (Shape shape in Enum.GetValues<Shape>().Where(s => s != Shape.None))
        {
            Assert.True(runs.Count(r => r.Generated.Shapes.HasFlag(shape)) >= 5, $"too few messages with {shape}");
        }

        foreach (var algorithm in new[] { DkimAlgorithm.RsaSha256, DkimAlgorithm.Ed25519Sha256 })
        {
            foreach (var header in new[] { CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Relaxed })
            {
                foreach (var body in new[] { CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Relaxed })
                {
                    foreach (var length in Enum.GetValues<BodyLengthMode>())
                    {
                        Assert.True(runs.Count(r => r.Generated.Profile is { } p && p.Algorithm == algorithm && p.Canonicalization == new Canonicalizations(header, body) && p.BodyLength == length) >= 10,
                            $"too few messages for {algorithm} {header}/{body} l={length}");
                    }
                }
            }
        }

        foreach (var kind in Enum.GetValues<TamperKind>())
        {
            Assert.True(runs.Sum(r => r.OurTampers.Count(t => t.Tamper.Kind == kind)) >= 50, $"too few {kind} tampers");
        }

        Assert.True(ourTampers >= 3 * runs.Count, "at least three tampers per message on average");
    }

    [Fact]
    public void Every_message_we_sign_verifies_here_and_in_dkimpy()
    {
        var failures = run.Runs
            .Where(r => !r.OursOnOurs.Pass || !r.DkimpyOnOurs.Pass)
            .Select(r => $"{run.Header(r.Generated.Index)}: ours {r.OursOnOurs}, dkimpy {r.DkimpyOnOurs}\n{Escaping.Escape(r.OursSigned.ToBytes())}")
            .ToList();

        AssertNone(failures, "messages signed by us that did not verify");
    }

    [Fact]
    public void Every_message_dkimpy_signs_verifies_here()
    {
        var failures = run.Runs
            .Where(r => r.DkimpySigned is null || r.OursOnDkimpy is not { Pass: true })
            .Select(r => r.DkimpySigned is null
                ? $"{run.Header(r.Generated.Index)}: dkimpy did not sign: {r.DkimpySignError}\n{Escaping.Escape(r.Generated.Message.ToBytes())}"
                : $"{run.Header(r.Generated.Index)}: ours {r.OursOnDkimpy}\n{Escaping.Escape(r.DkimpySigned.ToBytes())}")
            .ToList();

        AssertNone(failures, "messages signed by dkimpy that did not verify here");
    }

    [Fact]
    public void Tampers_of_our_signatures_get_the_same_and_the_right_answer_from_both()
    {
        AssertTampers(run.Runs.Select(r => (r, r.OursSigned, r.OurTampers)), "tampers of messages signed by us");
    }

    [Fact]
    public void Tampers_of_dkimpy_signatures_get_the_same_and_the_right_answer_from_both()
    {
        AssertTampers(run.Runs.Where(r => r.DkimpySigned is not null).Select(r => (r, r.DkimpySigned!, r.DkimpyTampers)), "tampers of messages signed by dkimpy");
    }

    /// <summary>The strongest claim, asserted on its own: a changed non-whitespace byte in a signed header value,
    /// in the DKIM-Signature outside b=, or in the signed part of the body fails in both verifiers.</summary>
    [Fact]
    public void Non_whitespace_tampers_in_signed_content_fail_in_both()
    {
        var failures = new List<string>();
        int count = 0;
        foreach (var (r, signed, tampers) in run.Runs.SelectMany(r => new[] { (r, r.OursSigned, r.OurTampers), (r, r.DkimpySigned, r.DkimpyTampers) }))
        {
            foreach (var t in tampers.Where(t => t.Tamper.Kind is TamperKind.SignedHeaderByte or TamperKind.SignatureTagByte
                         || (t.Tamper.Kind == TamperKind.BodyByte && !t.Tamper.ExpectPass)))
            {
                count++;
                if (t.Ours.Pass || t.Dkimpy.Pass)
                {
                    failures.Add($"{run.Header(r.Generated.Index)}: {t.Tamper.Describe(signed!)}; ours {t.Ours}, dkimpy {t.Dkimpy}\n{Escaping.Escape(t.Tamper.Message)}");
                }
            }
        }

        output.WriteLine($"{count} non-whitespace tampers in signed content");
        Assert.True(count >= 2 * run.Runs.Count, $"only {count} such tampers");
        AssertNone(failures, "non-whitespace tampers in signed content that passed");
    }

    [Fact]
    public void Header_canonicalization_matches_dkimpy() => AssertCanonicalization("header");

    [Fact]
    public void Body_canonicalization_matches_dkimpy() => AssertCanonicalization("body");

    /// <summary>
    /// Where we differ from dkimpy on purpose, pinned so that a change on either side is noticed. None of these
    /// inputs reaches a milter through SMTP: the generated corpus leaves them out.
    /// </summary>
    [Theory]
    [InlineData("relaxed body, unterminated last line with trailing WSP", "abc\r\n", "abc \r\n")]
    [InlineData("relaxed body, unterminated whitespace-only last line", "abc\r\n", "abc\r\n \r\n")]
    [InlineData("relaxed header, bare CR in value", "x:a b\r\n", "x:a\rb\r\n")]
    [InlineData("relaxed header, bare LF in value", "x:a b\r\n", "x:a\nb\r\n")]
    [InlineData("relaxed header, VT at the end of the value", "x:x\v\r\n", "x:x\r\n")]
    public void Known_disagreements_with_dkimpy_are_as_documented(string name, string ours, string dkimpy)
    {
        var known = run.Known[name];

        // RFC 6376 §3.4.4 "ignore all whitespace at the end of lines" holds for a last line without CRLF too;
        // dkimpy's regular expression only strips WSP before a CRLF. For headers we follow OpenDKIM (CR and LF
        // inside a relaxed value are folding whitespace; VT is not WSP) where dkimpy's bytes.strip() also strips VT.
        Assert.Equal(Escaping.Escape(Encoding.Latin1.GetBytes(ours)), Escaping.Escape(known.Ours));
        Assert.Equal(Escaping.Escape(Encoding.Latin1.GetBytes(dkimpy)), Escaping.Escape(known.Dkimpy));
    }

    /// <summary>dkimpy's message parser splits lines on <c>\r?\n</c>, so a bare LF in the body is a line break to
    /// it and content to us (and to OpenDKIM without FixCRLF). Pinned: ours passes, dkimpy fails.</summary>
    [Fact]
    public void Known_disagreement_bare_LF_in_the_body()
    {
        Assert.True(run.BareLineFeed.Ours.Pass, run.BareLineFeed.Ours.ToString());
        Assert.False(run.BareLineFeed.Dkimpy.Pass, "dkimpy now hashes a bare LF as content: the generator may include bare LFs");
    }

    private void AssertTampers(IEnumerable<(MessageRun Run, MailMessage Signed, List<TamperOutcome> Tampers)> cases, string what)
    {
        var failures = new List<string>();
        int count = 0;
        foreach (var (r, signed, tampers) in cases)
        {
            foreach (var t in tampers)
            {
                count++;
                if (t.Ours.Pass != t.Dkimpy.Pass || t.Ours.Pass != t.Tamper.ExpectPass)
                {
                    string verdict = t.Ours.Pass != t.Dkimpy.Pass ? "DISAGREE" : "both wrong";
                    failures.Add($"{verdict}: {run.Header(r.Generated.Index)}: {t.Tamper.Describe(signed)}; ours {t.Ours}, dkimpy {t.Dkimpy}\n{Escaping.Escape(t.Tamper.Message)}");
                }
            }
        }

        output.WriteLine($"{count} {what}");
        Assert.True(count > 0, $"no {what}");
        AssertNone(failures, what + " where a verifier gave an unexpected answer");
    }

    private void AssertCanonicalization(string kind)
    {
        var cases = run.Canonicalizations.Where(c => c.Kind == kind).ToList();
        var failures = cases
            .Where(c => !c.Ours.AsSpan().SequenceEqual(c.Dkimpy))
            .Select(c => $"seed {run.Seed}, {c.Source}, {c.Algorithm}:\ninput:  {Escaping.Escape(c.Input)}\nours:   {Escaping.Escape(c.Ours)}\ndkimpy: {Escaping.Escape(c.Dkimpy)}")
            .ToList();
        output.WriteLine($"{cases.Count} {kind} canonicalizations compared");
        Assert.True(cases.Count > run.Runs.Count, $"only {cases.Count} {kind} cases");
        AssertNone(failures, $"{kind} canonicalizations that differ from dkimpy");
    }

    private void AssertNone(List<string> failures, string what)
    {
        Assert.True(failures.Count == 0,
            $"{failures.Count} {what} (seed {run.Seed}; message text escaped, a line break follows each \\r\\n). First {Math.Min(Shown, failures.Count)}:\n\n"
            + string.Join("\n\n", failures.Take(Shown)));
    }
}

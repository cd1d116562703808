using System.Globalization;
using System.Text;
using Milter.Dkim.Canonicalization;

namespace Milter.Dkim.Tests.Differential;

/// <summary>
/// Generates messages that stress canonicalization and header selection: folded and whitespace-heavy headers,
/// duplicate headers, raw UTF-8 in headers and body, empty bodies, trailing blank and whitespace-only lines,
/// lines over 998 bytes, a few bare CRs inside body lines, header names in odd case. Message <c>i</c> of seed
/// <c>s</c> depends on nothing else, so one failing message can be regenerated alone.
/// </summary>
/// <remarks>
/// What is left out, and why (see DkimpyDifferentialTests.Known_disagreements_with_dkimpy_are_as_documented): bare LF anywhere (dkimpy's parser turns it into CRLF
/// before hashing; we hash it as content, as OpenDKIM does), bare CR in header values (relaxed: we fold it to a
/// space as OpenDKIM does, dkimpy keeps it), and an unterminated last body line ending in whitespace (relaxed:
/// we drop the whitespace, dkimpy keeps one space). SMTP delivers none of these.
/// </remarks>
internal static class MessageGenerator
{
    /// <summary>Signed when present (given to both signers).</summary>
    public static readonly string[] SignedNames =
    [
        "From", "To", "Cc", "Subject", "Date", "Reply-To", "Message-ID", "MIME-Version", "Content-Type", "References",
        "In-Reply-To", "List-Id", "X-Signed",
    ];

    public static readonly string[] Domains = ["example.com", "mail.example.org", "xn--bcher-kva.example"];

    private static readonly string[] AsciiWords =
    [
        "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Hello", "world", "DKIM", "milter", "a", "I",
        "lorem", "ipsum", "dolor", "sit", "amet", "x", "42", "2024-06-04", "re:", "fwd:", "(comment)", "\"quoted\"",
        "semi;colon", "equals=sign", "colon:inside", "<angle>", "[bracket]", "100%", "a.b.c", "--", "=?utf-8?q?x?=",
    ];

    private static readonly string[] Utf8Words =
    [
        "Grüße", "café", "naïve", "日本語", "Привет", "Ελληνικά", "😀", "ñandú", "Zürich", "¡hola!", "中文字符", "señor",
    ];

    private static readonly string[] Users = ["joe", "suzie.q", "info", "no-reply", "a.very.long.local.part+tag", "user"];

    public static GeneratedMessage Generate(int seed, int index)
    {
        var random = new Random(unchecked((seed * 1_000_003) + (index * 7919)));
        var shapes = Shape.None;
        var fields = new List<RawField>();

        // Relays prepend Received; none of them is signed.
        for (int i = random.Next(4); i > 0; i--)
        {
            fields.Add(new RawField(Name("Received", random, ref shapes),
                HeaderValue(random, ref shapes, ["from", $"mx{random.Next(9)}.example.net", "([192.0.2.1])", "by", "mail.example.com", "with", "ESMTPS", "id", Id(random) + ";", Date(random)])));
        }

        var body = new List<RawField>
        {
            Field("From", random, ref shapes, Address(random, ref shapes)),
        };
        if (random.Next(100) < 3)
        {
            body.Add(Field("From", random, ref shapes, Address(random, ref shapes)));
            shapes |= Shape.DuplicateFrom;
        }

        for (int i = random.Next(100) < 8 ? 2 : 1; i > 0; i--)
        {
            body.Add(Field("To", random, ref shapes, Addresses(random, ref shapes)));
        }

        AddSometimes(body, 50, "Cc", random, ref shapes, () => Addresses(random, ref shapes));
        int subjects = random.Next(100) switch { < 4 => 0, < 94 => 1, _ => 2 };
        for (int i = 0; i < subjects; i++)
        {
            body.Add(Field("Subject", random, ref shapes, Text(random, random.Next(1, 12))));
        }

        AddSometimes(body, 90, "Date", random, ref shapes, () => Tokens(Date(random)));
        AddSometimes(body, 80, "Message-ID", random, ref shapes, () => [$"<{Id(random)}@{Domains[random.Next(Domains.Length)]}>"]);
        AddSometimes(body, 20, "Reply-To", random, ref shapes, () => Address(random, ref shapes));
        AddSometimes(body, 15, "In-Reply-To", random, ref shapes, () => [$"<{Id(random)}@example.net>"]);
        AddSometimes(body, 15, "References", random, ref shapes, () => [.. Enumerable.Range(0, random.Next(1, 12)).Select(_ => $"<{Id(random)}@example.net>")]);
        AddSometimes(body, 10, "List-Id", random, ref shapes, () => ["Discussion", "<list.example.com>"]);
        AddSometimes(body, 40, "MIME-Version", random, ref shapes, () => ["1.0"]);
        AddSometimes(body, 40, "Content-Type", random, ref shapes, () => ["text/plain;", "charset=utf-8;", "format=flowed"]);
        for (int i = random.Next(100) < 20 ? random.Next(1, 4) : 0; i > 0; i--)
        {
            body.Add(Field("X-Signed", random, ref shapes, Text(random, random.Next(1, 8))));
        }

        AddSometimes(body, 30, "X-Mailer", random, ref shapes, () => ["Generator", $"{random.Next(9)}.{random.Next(99)}"]);
        for (int i = random.Next(100) < 30 ? random.Next(1, 4) : 0; i > 0; i--)
        {
            body.Add(Field("X-Unsigned", random, ref shapes, Text(random, random.Next(1, 6))));
        }

        // Mostly the usual order; sometimes shuffled (duplicates then interleave, which tests bottom-up selection).
        if (random.Next(100) < 25)
        {
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(body));
        }

        fields.AddRange(body);
        if (fields.GroupBy(field => field.Name, StringComparer.OrdinalIgnoreCase).Any(group => group.Count() > 1))
        {
            shapes |= Shape.DuplicateHeader;
        }

        var message = new MailMessage(fields, Body(random, ref shapes));
        var profile = Profile(random, index, message);
        return new GeneratedMessage(index, message, profile, shapes);
    }

    private static SigningProfile Profile(Random random, int index, MailMessage message)
    {
        // One message in three is RSA: dkimpy signs RSA in pure Python (about 13 ms a signature, most of the run's
        // time), and the algorithm changes nothing in canonicalization; every c= pair and l= mode gets both.
        var algorithm = (index / 4 % 3) == 0 ? DkimAlgorithm.RsaSha256 : DkimAlgorithm.Ed25519Sha256;
        var canonicalization = (index % 4) switch
        {
            0 => new Canonicalizations(CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Simple),
            1 => new Canonicalizations(CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Relaxed),
            2 => new Canonicalizations(CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Simple),
            _ => new Canonicalizations(CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Relaxed),
        };
        var length = random.Next(100) switch { < 60 => BodyLengthMode.None, < 80 => BodyLengthMode.Full, _ => BodyLengthMode.Limit };
        string domain = Domains[random.Next(Domains.Length)];
        string? identity = random.Next(100) switch
        {
            < 40 => null,
            < 70 => "@" + domain,
            < 90 => Users[random.Next(Users.Length)] + "@" + domain,
            _ => "@sub." + domain,
        };
        IReadOnlyList<string> oversigned = random.Next(100) switch { < 8 => ["From"], < 15 => ["Subject", "To"], _ => [] };
        var present = message.Fields
            .Where(field => SignedNames.Contains(field.Name, StringComparer.OrdinalIgnoreCase))
            .Select(field => field.Name)
            .ToList();
        if (random.Next(100) < 15)
        {
            present.Add("From");
        }

        return new SigningProfile
        {
            Algorithm = algorithm,
            Canonicalization = canonicalization,
            BodyLength = length,
            Limit = random.Next(100) < 10 ? 0 : random.Next(message.Body.Length + 20),
            SignedNames = SignedNames,
            DkimpyHeaders = present,
            Oversigned = oversigned,
            Identity = identity,
            Domain = domain,
        };
    }

    private static void AddSometimes(List<RawField> fields, int percent, string name, Random random, ref Shape shapes, Func<List<string>> tokens)
    {
        if (random.Next(100) < percent)
        {
            fields.Add(Field(name, random, ref shapes, tokens()));
        }
    }

    private static RawField Field(string name, Random random, ref Shape shapes, List<string> tokens) =>
        new(Name(name, random, ref shapes), HeaderValue(random, ref shapes, tokens));

    private static string Name(string name, Random random, ref Shape shapes)
    {
        switch (random.Next(100))
        {
            case < 4:
                shapes |= Shape.HeaderNameCase;
                return name.ToUpperInvariant();
            case < 8:
                shapes |= Shape.HeaderNameCase;
                return name.ToLowerInvariant();
            default:
                return name;
        }
    }

    /// <summary>Joins tokens with whitespace of every kind: single spaces, runs of spaces and tabs, folds, trailing
    /// whitespace before a fold; with a leading space, none, a tab, or a fold first; sometimes trailing whitespace;
    /// rarely a value that is empty or only whitespace, or one unfolded line over 998 bytes.</summary>
    private static byte[] HeaderValue(Random random, ref Shape shapes, List<string> tokens)
    {
        int roll = random.Next(1000);
        if (roll < 8)
        {
            shapes |= Shape.EmptyOrBlankHeaderValue;
            return Encoding.UTF8.GetBytes(OneOf(random, "", " ", "  \t", " \r\n ", "\t\r\n\t \r\n "));
        }

        if (roll < 25)
        {
            shapes |= Shape.LongHeaderLine;
            var longTokens = new List<string>(tokens);
            while (longTokens.Sum(token => token.Length + 1) < 1000 + random.Next(1500))
            {
                longTokens.Add(AsciiWords[random.Next(AsciiWords.Length)]);
            }

            return Encoding.UTF8.GetBytes(" " + string.Join(' ', longTokens));
        }

        bool heavy = random.Next(100) < 30;
        var text = new StringBuilder();
        text.Append(random.Next(100) switch
        {
            < 80 => " ",
            < 85 => "",
            < 90 => "\t",
            < 94 => "   ",
            < 97 => "\r\n ",
            _ => " \r\n\t",
        });
        if (text.Length != 1 || text[0] != ' ')
        {
            shapes |= Shape.WhitespaceHeavyHeader;
        }

        for (int i = 0; i < tokens.Count; i++)
        {
            if (i > 0)
            {
                int separator = random.Next(100);
                if (separator < (heavy ? 40 : 85))
                {
                    text.Append(' ');
                }
                else if (separator < 90)
                {
                    text.Append(OneOf(random, "  ", "\t", " \t ", "\t\t", "     "));
                    shapes |= Shape.WhitespaceHeavyHeader;
                }
                else
                {
                    text.Append(OneOf(random, "\r\n ", "\r\n\t", "\r\n   ", " \r\n\t", "\t \r\n \t"));
                    shapes |= Shape.FoldedHeader;
                }
            }

            text.Append(tokens[i]);
        }

        if (random.Next(100) < 12)
        {
            text.Append(OneOf(random, " ", "\t", "  \t"));
            shapes |= Shape.WhitespaceHeavyHeader;
        }

        string value = text.ToString();
        if (value.Any(c => c > 0x7F))
        {
            shapes |= Shape.Utf8Header;
        }

        if (value.Contains("\r\n", StringComparison.Ordinal))
        {
            shapes |= Shape.FoldedHeader;
        }

        return Encoding.UTF8.GetBytes(value);
    }

    private static List<string> Address(Random random, ref Shape shapes)
    {
        string address = $"<{Users[random.Next(Users.Length)]}@{Domains[random.Next(Domains.Length)]}>";
        return random.Next(100) < 30 ? [address[1..^1]] : [.. Text(random, random.Next(1, 4)), address];
    }

    private static List<string> Addresses(Random random, ref Shape shapes)
    {
        var tokens = new List<string>();
        for (int i = random.Next(100) < 20 ? random.Next(2, 5) : 1; i > 0; i--)
        {
            tokens.AddRange(Address(random, ref shapes));
            if (i > 1)
            {
                tokens[^1] += ",";
            }
        }

        return tokens;
    }

    private static List<string> Text(Random random, int words)
    {
        bool utf8 = random.Next(100) < 25;
        var tokens = new List<string>(words);
        for (int i = 0; i < words; i++)
        {
            tokens.Add(utf8 && random.Next(3) == 0 ? Utf8Words[random.Next(Utf8Words.Length)] : AsciiWords[random.Next(AsciiWords.Length)]);
        }

        return tokens;
    }

    private static string OneOf(Random random, params ReadOnlySpan<string> choices) => choices[random.Next(choices.Length)];

    private static List<string> Tokens(string text) => [.. text.Split(' ')];

    private static string Date(Random random) =>
        DateTimeOffset.FromUnixTimeSeconds(1_600_000_000 + random.Next(200_000_000)).ToString("ddd, d MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);

    private static string Id(Random random) => string.Create(CultureInfo.InvariantCulture, $"{random.Next():x8}.{random.Next(100000)}");

    private static byte[] Body(Random random, ref Shape shapes)
    {
        var body = new StringBuilder();
        int roll = random.Next(100);
        if (roll < 5)
        {
            shapes |= Shape.EmptyBody;
            return [];
        }

        if (roll < 8)
        {
            // Only empty (or whitespace-only) lines: empty after canonicalization, or one CRLF.
            shapes |= Shape.EmptyBody | Shape.TrailingBlankLines;
            for (int i = random.Next(1, 5); i > 0; i--)
            {
                body.Append(random.Next(4) == 0 ? " \t" : "").Append("\r\n");
            }

            return Encoding.UTF8.GetBytes(body.ToString());
        }

        bool heavy = random.Next(100) < 30;
        bool utf8 = random.Next(100) < 25;
        bool bareCr = random.Next(100) < 3;
        bool longLine = random.Next(100) < 6;
        int lines = random.Next(1, 40);
        for (int line = 0; line < lines; line++)
        {
            int lineStart = body.Length;
            int kind = random.Next(100);
            if (kind < 10)
            {
                // Empty line in the middle of the body.
            }
            else if (kind < 15)
            {
                body.Append(OneOf(random, " ", "\t", "  \t  "));
                shapes |= Shape.WhitespaceHeavyBody;
            }
            else
            {
                int words = random.Next(1, 16);
                if (heavy && random.Next(3) == 0)
                {
                    body.Append(OneOf(random, " ", "\t", "   "));
                    shapes |= Shape.WhitespaceHeavyBody;
                }

                for (int i = 0; i < words; i++)
                {
                    if (i > 0)
                    {
                        body.Append(heavy && random.Next(3) == 0 ? OneOf(random, "  ", "\t", " \t", "\t \t ") : " ");
                    }

                    body.Append(utf8 && random.Next(4) == 0 ? Utf8Words[random.Next(Utf8Words.Length)] : AsciiWords[random.Next(AsciiWords.Length)]);
                }

                if (heavy && random.Next(3) == 0)
                {
                    body.Append(OneOf(random, " ", "\t", "  \t "));
                    shapes |= Shape.WhitespaceHeavyBody;
                }
            }

            if (longLine && line == lines / 2)
            {
                int target = lineStart + 999 + random.Next(2500);
                while (body.Length < target)
                {
                    body.Append(' ').Append(AsciiWords[random.Next(AsciiWords.Length)]);
                }

                shapes |= Shape.LongLine;
            }

            if (bareCr && random.Next(5) == 0)
            {
                // A bare CR inside the line, never directly before the LF of a line break.
                body.Append("x\ry");
                shapes |= Shape.BareCarriageReturn;
            }

            body.Append("\r\n");
        }

        int ending = random.Next(100);
        if (ending < 35)
        {
            for (int i = random.Next(1, 6); i > 0; i--)
            {
                body.Append("\r\n");
            }

            shapes |= Shape.TrailingBlankLines;
        }
        else if (ending < 45)
        {
            for (int i = random.Next(1, 4); i > 0; i--)
            {
                body.Append(OneOf(random, " ", "\t", "", " \t ")).Append("\r\n");
            }

            shapes |= Shape.TrailingWhitespaceLines;
        }
        else if (ending < 50)
        {
            // The last line without CRLF (and without trailing whitespace: see the remarks).
            body.Append("last line");
            shapes |= Shape.UnterminatedLastLine;
        }

        string text = body.ToString();
        if (text.Any(c => c > 0x7F))
        {
            shapes |= Shape.Utf8Body;
        }

        return Encoding.UTF8.GetBytes(text);
    }
}

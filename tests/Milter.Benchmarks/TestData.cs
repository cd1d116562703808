using System.Diagnostics;
using System.Text;
using Milter.Dkim;
using Milter.Dkim.Keys;

namespace Milter.Benchmarks;

/// <summary>Deterministic message bodies and headers for the benchmarks.</summary>
internal static class TestData
{
    /// <summary>The chunk size Postfix sends body data in (SMFIC_BODY carries at most 65535 bytes).</summary>
    public const int PostfixChunkSize = 65535;

    private static readonly string[] Words =
    [
        "the", "of", "and", "to", "a", "in", "for", "is", "on", "that", "by", "this", "with", "you", "it", "not",
        "or", "be", "are", "from", "at", "as", "your", "all", "have", "new", "more", "an", "was", "we", "will",
        "message", "delivery", "signature", "domain", "selector", "canonical", "relaxed", "header", "body",
        "Postfix", "milter", "OpenDKIM", "mailbox", "example.com", "https://example.com/a/b?c=d", "2024-05-01",
        "12345", "Regards,", "Hello", "invoice", "attached", "meeting", "tomorrow", "please", "confirm",
    ];

    /// <summary>
    /// A text body of exactly <paramref name="size"/> bytes: lines of 40 to 100 characters of words, CRLF line
    /// ends, an empty line in about one in twelve (paragraphs). Relaxed canonicalization has work to do: about one
    /// word gap in eleven is not a single space ("  ", a tab or " \t ") and one line in twenty ends with
    /// whitespace ("   " or " \t", as format=flowed's soft breaks do). Ends with CRLF.
    /// </summary>
    public static byte[] TextBody(int size, int seed = 42)
    {
        var random = new Random(seed);
        var text = new StringBuilder(size + 200);
        var line = new StringBuilder(128);
        while (text.Length < size)
        {
            if (random.Next(12) == 0)
            {
                text.Append("\r\n");
                continue;
            }

            line.Clear();
            int target = random.Next(40, 101);
            while (line.Length < target)
            {
                if (line.Length > 0)
                {
                    line.Append(random.Next(32) switch
                    {
                        0 => "  ",
                        1 => "\t",
                        2 => " \t ",
                        _ => " ",
                    });
                }

                line.Append(Words[random.Next(Words.Length)]);
            }

            if (line.Length > 100)
            {
                line.Length = 100;
            }

            if (random.Next(20) == 0)
            {
                line.Append(random.Next(2) == 0 ? "   " : " \t");
            }

            text.Append(line).Append("\r\n");
        }

        byte[] bytes = Encoding.ASCII.GetBytes(text.ToString(0, size));
        bytes[^2] = (byte)'\r';
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>Ten header fields of an ordinary message (five of them in OpenDKIM's default signed set).</summary>
    public static IReadOnlyList<HeaderField> Headers { get; } =
    [
        Field("Return-Path", " <alice@example.com>"),
        Field("Received", " from mail.example.com (mail.example.com [192.0.2.10])\r\n\tby mx.example.org (Postfix) with ESMTPS id 4Vb1x2y3z4\r\n\tfor <bob@example.org>; Wed, 1 May 2024 10:00:00 +0000 (UTC)"),
        Field("From", " Alice Example <alice@example.com>"),
        Field("To", " Bob Example <bob@example.org>"),
        Field("Cc", " carol@example.org, dave@example.org"),
        Field("Subject", " Quarterly report: figures for the first quarter, as discussed"),
        Field("Date", " Wed, 1 May 2024 10:00:00 +0000"),
        Field("Message-ID", " <20240501100000.4Vb1x2y3z4@mail.example.com>"),
        Field("MIME-Version", " 1.0"),
        Field("Content-Type", " text/plain; charset=utf-8; format=flowed"),
    ];

    private static HeaderField Field(string name, string value) => new(name, Encoding.ASCII.GetBytes(value));
}

/// <summary>
/// Keys made by openssl at benchmark start (each benchmark process makes its own, in its own temporary
/// directory, deleted at cleanup) and read by <see cref="PrivateKeyLoader.LoadFile"/>.
/// </summary>
internal sealed class GeneratedKeys : IDisposable
{
    private readonly string _directory;

    private GeneratedKeys(string directory, DkimPrivateKey rsa, DkimPrivateKey ed25519)
    {
        _directory = directory;
        Rsa = rsa;
        Ed25519 = ed25519;
    }

    /// <summary>RSA-2048 from <c>openssl genrsa -traditional 2048</c> (PKCS#1 PEM).</summary>
    public DkimPrivateKey Rsa { get; }

    /// <summary>Ed25519 from <c>openssl genpkey -algorithm ed25519</c> (PKCS#8 PEM).</summary>
    public DkimPrivateKey Ed25519 { get; }

    public static GeneratedKeys Create()
    {
        string directory = Directory.CreateTempSubdirectory("milter-bench-keys-").FullName;
        try
        {
            string rsaPath = Path.Combine(directory, "rsa2048.pem");
            string ed25519Path = Path.Combine(directory, "ed25519.pem");
            OpenSsl("genrsa", "-traditional", "-out", rsaPath, "2048");
            OpenSsl("genpkey", "-algorithm", "ed25519", "-out", ed25519Path);
            return new GeneratedKeys(directory, PrivateKeyLoader.LoadFile(rsaPath), PrivateKeyLoader.LoadFile(ed25519Path));
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        Rsa.Dispose();
        Ed25519.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static void OpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start openssl");
        string errors = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed ({process.ExitCode}): {errors}");
        }
    }
}

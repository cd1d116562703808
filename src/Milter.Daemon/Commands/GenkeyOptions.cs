using System.Globalization;

namespace Milter.Daemon.Commands;

/// <summary>The kind of key <c>dkim-milter genkey</c> makes.</summary>
internal enum GeneratedKeyType
{
    /// <summary>RSA (rsa-sha256), what opendkim-genkey makes.</summary>
    Rsa,

    /// <summary>Ed25519 (ed25519-sha256, RFC 8463).</summary>
    Ed25519,
}

/// <summary>
/// <c>dkim-milter genkey</c>'s command line: opendkim-genkey's options (its letters and long names, with the same
/// defaults: 2048 bits, domain <c>localhost</c>, selector <c>default</c>, directory <c>.</c>, <c>h=sha256</c>), plus
/// <c>--type rsa|ed25519</c> and <c>--force</c>.
/// </summary>
internal sealed record GenkeyOptions
{
    /// <summary>opendkim-genkey's default domain: the literal <c>localhost</c> (Debian's opendkim-tools 2.11).</summary>
    public const string DefaultDomain = "localhost";

    public const int DefaultRsaBits = 2048;
    public const int MinimumRsaBits = 1024;
    public const int MaximumRsaBits = 16384;

    private static readonly Dictionary<string, ToolArguments.LongOption> LongOptions = new(StringComparer.Ordinal)
    {
        ["append-domain"] = new("a", false),
        ["bits"] = new("b", true),
        ["directory"] = new("D", true),
        ["domain"] = new("d", true),
        ["hash-algorithms"] = new("h", true),
        ["note"] = new("n", true),
        ["restrict"] = new("r", false),
        ["selector"] = new("s", true),
        ["subdomains"] = new("subdomains", false),
        ["nosubdomains"] = new("S", false),
        ["testmode"] = new("t", false),
        ["verbose"] = new("v", false),
        ["type"] = new("type", true),
        ["force"] = new("force", false),
        ["help"] = new("help", false),
    };

    public GeneratedKeyType KeyType { get; init; } = GeneratedKeyType.Rsa;

    /// <summary>-b; null when not given (RSA then gets <see cref="DefaultRsaBits"/>).</summary>
    public int? Bits { get; init; }

    public string Domain { get; init; } = DefaultDomain;

    /// <summary>True when -d was given (otherwise the domain is opendkim-genkey's default, which is rarely meant).</summary>
    public bool DomainGiven { get; init; }

    public string Selector { get; init; } = "default";

    public string Directory { get; init; } = ".";

    /// <summary>-a: the record's owner name is <c>SEL._domainkey.DOMAIN.</c>, not relative to the zone.</summary>
    public bool AppendDomain { get; init; }

    /// <summary>-r: <c>s=email</c>.</summary>
    public bool Restrict { get; init; }

    /// <summary>-t: <c>t=y</c>.</summary>
    public bool TestMode { get; init; }

    /// <summary>-S: <c>t=s</c> (the i= domain must be d= itself).</summary>
    public bool NoSubdomains { get; init; }

    /// <summary>-h: the h= value; opendkim-genkey (Debian) writes <c>h=sha256</c> unless told otherwise. Empty: no h= tag.</summary>
    public string HashAlgorithms { get; init; } = "sha256";

    /// <summary>-n: the n= note, or null.</summary>
    public string? Note { get; init; }

    public bool Verbose { get; init; }

    /// <summary>--force: replace existing SELECTOR.private and SELECTOR.txt.</summary>
    public bool Force { get; init; }

    public bool Help { get; init; }

    /// <summary>RSA: the -b value or the default; Ed25519: 256.</summary>
    public int EffectiveBits => KeyType == GeneratedKeyType.Ed25519 ? 256 : Bits ?? DefaultRsaBits;

    /// <summary>Reads the command line; throws <see cref="FormatException"/> with the mistake in plain words.</summary>
    public static GenkeyOptions Parse(IReadOnlyList<string> args)
    {
        var options = new GenkeyOptions();
        foreach (var (name, value) in ToolArguments.Parse(args, "artSv", "bdDshn", LongOptions))
        {
            options = name switch
            {
                "a" => options with { AppendDomain = true },
                "b" => options with { Bits = ParseBits(value!) },
                "d" => options with { Domain = CheckName(value!.TrimEnd('.'), "-d", "domain"), DomainGiven = true },
                "D" => options with { Directory = value!.Length > 0 ? value : throw new FormatException("-D needs a directory") },
                "h" => options with { HashAlgorithms = CheckHashes(value!) },
                "n" => options with { Note = CheckNote(value!) },
                "r" => options with { Restrict = true },
                "s" => options with { Selector = CheckName(value!, "-s", "selector") },
                "S" => options with { NoSubdomains = true },
                "t" => options with { TestMode = true },
                "v" => options with { Verbose = true },
                "subdomains" => options with { NoSubdomains = false },
                "type" => options with { KeyType = ParseType(value!) },
                "force" => options with { Force = true },
                _ => options with { Help = true },
            };
        }

        if (options.Bits is not { } bits)
        {
            return options;
        }

        if (options.KeyType == GeneratedKeyType.Ed25519)
        {
            return bits == 256 ? options : throw new FormatException($"-b {bits}: an Ed25519 key is always 256 bits; -b is for RSA keys");
        }

        if (bits < MinimumRsaBits)
        {
            throw new FormatException($"-b {bits}: RSA keys under {MinimumRsaBits} bits are refused by verifiers (RFC 8301 §3.2) and by dkim-milter; use -b 2048");
        }

        if (bits > MaximumRsaBits || bits % 8 != 0)
        {
            throw new FormatException($"-b {bits}: RSA key sizes are multiples of 8 from {MinimumRsaBits} to {MaximumRsaBits} (2048 is usual; 4096 records are large)");
        }

        return options;
    }

    private static int ParseBits(string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int bits))
        {
            throw new FormatException($"-b {value}: the key size is a number of bits, e.g. -b 2048");
        }

        // Checked against the key type once every option is read (--type may come after -b).
        return bits;
    }

    private static GeneratedKeyType ParseType(string value) => value.ToLowerInvariant() switch
    {
        "rsa" => GeneratedKeyType.Rsa,
        "ed25519" => GeneratedKeyType.Ed25519,
        _ => throw new FormatException($"--type {value}: the key type is rsa or ed25519"),
    };

    // A selector is one or more DNS labels (RFC 6376 §3.1) and also a file name here; a domain is DNS labels.
    private static string CheckName(string value, string option, string what)
    {
        var labels = value.Split('.');
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-')
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new FormatException($"{option} '{value}': a {what} is made of DNS labels (letters, digits, '-', '_'; 1 to 63 characters, separated by dots)");
            }
        }

        if (value.Length > 253)
        {
            throw new FormatException($"{option} '{value}': a {what} is at most 253 characters");
        }

        return value;
    }

    // h= is a colon-separated list of hash names (RFC 6376 §3.6.1); dkim-milter signs with sha256 only.
    private static string CheckHashes(string value)
    {
        if (value.Length == 0)
        {
            return value;
        }

        var names = value.Split(':');
        if (names.Any(name => name.Length == 0 || !name.All(char.IsAsciiLetterOrDigit)))
        {
            throw new FormatException($"-h '{value}': h= is a colon-separated list of hash names, e.g. -h sha256");
        }

        if (!names.Contains("sha256", StringComparer.Ordinal))
        {
            throw new FormatException($"-h '{value}': the key must allow sha256: dkim-milter signs with rsa-sha256 or ed25519-sha256 only (RFC 8301 retired sha1)");
        }

        return value;
    }

    // opendkim-genkey writes n="NOTE" unescaped, so characters that end the tag, the quotes or the zone-file
    // string, and those n= (a DKIM-quoted-printable value, RFC 6376 §3.6.1) cannot hold, are refused.
    private static string CheckNote(string value)
    {
        foreach (char c in value)
        {
            if (c is ';' or '"' or '\\' or '=' || c < ' ' || c > '~')
            {
                throw new FormatException($"-n: the note cannot contain '{(c < ' ' || c > '~' ? $"U+{(int)c:X4}" : c)}' (printable ASCII without ; = \" \\ only)");
            }
        }

        return value;
    }
}

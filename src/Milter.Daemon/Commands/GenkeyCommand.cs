using System.Security.Cryptography;
using Milter.Daemon.Startup;
using Milter.Dkim.Keys;

namespace Milter.Daemon.Commands;

/// <summary>
/// <c>dkim-milter genkey</c>: opendkim-genkey's job and files (<c>SELECTOR.private</c>, <c>SELECTOR.txt</c> in its
/// layout, same options and defaults), plus Ed25519 keys (<c>--type ed25519</c>), no overwriting of an existing key
/// without <c>--force</c>, and the KeyTable and SigningTable lines for the new key printed on stdout.
/// </summary>
/// <remarks>
/// The private key is written as opendkim-genkey on Debian 12 writes it (<c>openssl genrsa</c> of OpenSSL 3):
/// PKCS#8 PEM, "BEGIN PRIVATE KEY"; Ed25519 keys in the same form (<c>openssl genpkey -algorithm ed25519</c>).
/// Both are read back with the loader the daemon signs with before anything is written, and the record's p= is
/// taken from the key so read.
/// </remarks>
internal static class GenkeyCommand
{
    /// <summary>EX_CANTCREAT (sysexits.h): an output file cannot be created.</summary>
    public const int CannotCreate = 73;

    public const string Usage = """
        usage: dkim-milter genkey [options]   (opendkim-genkey's options)
          -b, --bits N            RSA key size (default 2048; at least 1024)
          -d, --domain DOMAIN     the signing domain (default: localhost, as opendkim-genkey; give it)
          -s, --selector NAME     the selector (default: default)
          -D, --directory DIR     where SELECTOR.private and SELECTOR.txt go (default: .)
          -a, --append-domain     write the record's name as SELECTOR._domainkey.DOMAIN. (absolute)
          -r, --restrict          s=email: the key is for e-mail only
          -t, --testmode          t=y: the domain is testing DKIM
          -S, --nosubdomains      t=s: the i= domain must be the d= domain itself
          -h, --hash-algorithms L h= value (default sha256; '' for no h= tag)
          -n, --note TEXT         n= note
          -v, --verbose           say what is done
          --type rsa|ed25519      the key type (default rsa)
          --force                 replace an existing SELECTOR.private / SELECTOR.txt
        Writes SELECTOR.private (mode 0600) and SELECTOR.txt (the DNS record in zone-file form), then prints the
        KeyTable and SigningTable lines for the key.
        """;

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        GenkeyOptions options;
        try
        {
            options = GenkeyOptions.Parse(args);
        }
        catch (FormatException ex)
        {
            error.WriteLine($"dkim-milter genkey: {ex.Message}");
            error.WriteLine(Usage);
            return ExitCodes.Usage;
        }

        if (options.Help)
        {
            output.WriteLine(Usage);
            return ExitCodes.Success;
        }

        string directory = Path.GetFullPath(options.Directory);
        if (!Directory.Exists(directory))
        {
            error.WriteLine($"dkim-milter genkey: {directory}: no such directory (-D)");
            return CannotCreate;
        }

        if (!options.DomainGiven)
        {
            error.WriteLine($"dkim-milter genkey: warning: no -d given: the record and the lines below are for '{GenkeyOptions.DefaultDomain}' (opendkim-genkey's default); give -d DOMAIN");
        }

        string privatePath = Path.Combine(directory, options.Selector + ".private");
        string txtPath = Path.Combine(directory, options.Selector + ".txt");
        void Say(string message)
        {
            if (options.Verbose)
            {
                error.WriteLine($"dkim-milter genkey: {message}");
            }
        }

        Say($"generating {Describe(options)} private key");
        string pem;
        string publicKey;
        try
        {
            (pem, publicKey) = Generate(options.KeyType, options.EffectiveBits, privatePath);
        }
        catch (Exception ex) when (ex is CryptographicException or KeyFormatException)
        {
            error.WriteLine($"dkim-milter genkey: cannot generate the key: {ex.Message}");
            return ExitCodes.Software;
        }

        try
        {
            NewKeyFiles.Write(privatePath, pem, txtPath, KeyRecordZoneFile.Text(options, publicKey), options.Force);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"dkim-milter genkey: {ex.Message}");
            return CannotCreate;
        }

        Say($"private key written to {privatePath}");
        Say($"DNS TXT record written to {txtPath}");

        string keyName = $"{options.Selector}._domainkey.{options.Domain}";
        output.WriteLine("# KeyTable (the file opendkim.conf's KeyTable names):");
        output.WriteLine($"{keyName} {options.Domain}:{options.Selector}:{privatePath}");
        output.WriteLine("# SigningTable (opendkim.conf: SigningTable refile:FILE, since *@ is a pattern):");
        output.WriteLine($"*@{options.Domain} {keyName}");
        output.WriteLine($"# then publish {txtPath} in the {options.Domain} zone and check it: dkim-milter testkey -d {options.Domain} -s {options.Selector} -k {privatePath}");
        return ExitCodes.Success;
    }

    private static string Describe(GenkeyOptions options) =>
        options.KeyType == GeneratedKeyType.Ed25519 ? "Ed25519" : $"{options.EffectiveBits}-bit RSA";

    // The PEM to write and the record's p=, read back from that PEM by the daemon's own loader, so a key this
    // writes is one the daemon reads, and the record is that key's.
    internal static (string Pem, string PublicKey) Generate(GeneratedKeyType type, int bits, string path)
    {
        string pem;
        if (type == GeneratedKeyType.Ed25519)
        {
            using var generated = Ed25519PrivateKey.Generate();
            pem = generated.ExportPkcs8Pem();
        }
        else
        {
            using var rsa = RSA.Create(bits);
            pem = rsa.ExportPkcs8PrivateKeyPem();
        }

        pem += "\n";
        using var loaded = PrivateKeyLoader.Parse(pem, path);
        return (pem, loaded.PublicKey.ToRecordValue());
    }
}

using Milter.Daemon.Dkim;

namespace Milter.Fuzzing.Targets;

/// <summary>
/// The signer's address from a From: value (SenderAddress, on MimeKit's address parser): any bytes give an
/// address or null, never an exception. Checked: an address found has a non-empty local part and domain, and its
/// domain is in lower case (the tables are looked up with it).
/// </summary>
public sealed class FromAddressTarget : IFuzzTarget
{
    private static readonly string[] SenderHeaders = ["From"];

    /// <inheritdoc />
    public string Name => "from-address";

    /// <inheritdoc />
    public string EntryPoint => "SenderAddress.Parse/Find (MimeKit InternetAddressList.TryParse)";

    /// <inheritdoc />
    public IReadOnlyList<Type> BadInputExceptions { get; } = [];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        byte[] value = input.ToArray();
        string? address = SenderAddress.Parse(value);
        if (address is not null)
        {
            int at = address.LastIndexOf('@');
            FuzzPropertyException.Check(at > 0 && at < address.Length - 1, $"'{address}' has no local part or no domain");
            string domain = address[(at + 1)..];
            FuzzPropertyException.Check(string.Equals(domain, domain.ToLowerInvariant(), StringComparison.Ordinal), $"'{address}' has a domain not in lower case");
        }

        string? found = SenderAddress.Find([("Sender", value), ("FROM", value)], SenderHeaders);
        FuzzPropertyException.Check(found == address, "Find and Parse disagree on the same value");
    }
}

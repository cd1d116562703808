using System.Text;
using Milter.Dkim.Keys;

namespace Milter.Fuzzing.Targets;

/// <summary>
/// A key record (one TXT record, its strings joined) through <see cref="KeyRecordParser.Parse"/>, which reports
/// every problem as a <see cref="KeyRecordError"/> rather than an exception. Checked: a failure always has a
/// reason, a success a decoded key of the record's type.
/// </summary>
public sealed class KeyRecordTarget : IFuzzTarget
{
    /// <inheritdoc />
    public string Name => "key-record";

    /// <inheritdoc />
    public string EntryPoint => "KeyRecordParser.Parse (RsaPublicKey/Ed25519PublicKey.TryCreate on p=)";

    /// <inheritdoc />
    public IReadOnlyList<Type> BadInputExceptions { get; } = [];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        // Latin-1: one char per byte, so every byte value reaches the parser.
        var result = KeyRecordParser.Parse(Encoding.Latin1.GetString(input));
        if (result.Error == KeyRecordError.None)
        {
            FuzzPropertyException.Check(result.Record is { } record && record.KeyType is "rsa" or "ed25519", "a key record parsed without a usable key");
        }
        else
        {
            FuzzPropertyException.Check(result.Record is null && !string.IsNullOrEmpty(result.Reason), "a key record failed without a reason");
        }
    }
}

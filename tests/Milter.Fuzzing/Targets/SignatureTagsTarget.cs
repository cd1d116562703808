using System.Text;
using Milter.Dkim;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.TagLists;
using Milter.Dkim.Verification;

namespace Milter.Fuzzing.Targets;

/// <summary>
/// A DKIM-Signature field value (the bytes after the colon) through the tag-list parser, the signature parser
/// and the b= remover the header hash uses. They answer bad input with false and a reason, never an exception.
/// Checked on the way: a parsed signature's tags are unique and its required fields present; removing b= leaves
/// a value without a b= value and is stable (doing it twice changes nothing more).
/// </summary>
public sealed class SignatureTagsTarget : IFuzzTarget
{
    /// <inheritdoc />
    public string Name => "signature";

    /// <inheritdoc />
    public string EntryPoint => "TagList.TryParse + SignatureParser.TryParse + HeaderHash.WithoutSignatureValue";

    /// <inheritdoc />
    public IReadOnlyList<Type> BadInputExceptions { get; } = [];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        var field = new HeaderField("DKIM-Signature", input.ToArray());
        if (TagList.TryParse(Encoding.Latin1.GetString(input), out var tags, out _))
        {
            FuzzPropertyException.Check(tags.Tags.Select(tag => tag.Key).Distinct(StringComparer.Ordinal).Count() == tags.Tags.Count,
                "a tag list was accepted with a duplicate tag");
        }

        if (SignatureParser.TryParse(field, out var signature, out string? error))
        {
            FuzzPropertyException.Check(signature.Signature.Length > 0 && signature.BodyHash.Length > 0 && signature.Domain.Length > 0
                && signature.Selector.Length > 0 && signature.SignedHeaders.Count > 0, "a signature was accepted without a required value");
        }
        else
        {
            FuzzPropertyException.Check(!string.IsNullOrEmpty(error), "a signature was refused without a reason");
        }

        var withoutValue = HeaderHash.WithoutSignatureValue(input);
        FuzzPropertyException.Check(HeaderHash.WithoutSignatureValue(withoutValue).AsSpan().SequenceEqual(withoutValue),
            "removing b= twice differs from removing it once");
    }
}

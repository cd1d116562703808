using System.Buffers;

namespace Milter.Dkim.Canonicalization;

/// <summary>
/// Streaming body canonicalization (RFC 6376 §3.4.3, §3.4.4): bytes go in in chunks of any size, canonical
/// bytes come out through <see cref="ICanonicalOutput"/>, and any split of the input gives the same output as
/// one piece. Only CRLF ends a line: a bare CR or LF is hashed as it is, as OpenDKIM and dkimpy do (OpenDKIM's
/// FixCRLF option is the exception, not the rule). Trailing empty lines are held back until content proves
/// they are not trailing.
/// </summary>
public abstract class BodyCanonicalizer
{
    /// <summary>Up to 16 CRLFs, for writing held-back empty lines in few calls.</summary>
    protected static ReadOnlySpan<byte> ManyLineBreaks => "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"u8;

    private readonly ICanonicalOutput _output;

    /// <summary>Creates a canonicalizer writing to <paramref name="output"/>.</summary>
    protected BodyCanonicalizer(ICanonicalOutput output) => _output = output ?? throw new ArgumentNullException(nameof(output));

    /// <summary>A canonicalizer for <paramref name="algorithm"/>.</summary>
    public static BodyCanonicalizer Create(CanonicalizationAlgorithm algorithm, ICanonicalOutput output) =>
        algorithm == CanonicalizationAlgorithm.Simple ? new SimpleBodyCanonicalizer(output) : new RelaxedBodyCanonicalizer(output);

    /// <summary>Number of CRLFs seen but not yet written (they end the body so far).</summary>
    protected long HeldLineBreaks { get; set; }

    /// <summary>A CR ended the previous chunk: it becomes a line break or a bare CR with the next byte.</summary>
    protected bool HeldCarriageReturn { get; set; }

    /// <summary>Feeds body bytes.</summary>
    public abstract void Append(ReadOnlySpan<byte> data);

    /// <summary>Feeds body bytes from a sequence.</summary>
    public void Append(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Append(segment.Span);
        }
    }

    /// <summary>Writes the end of the canonical body. Call once, after the last <see cref="Append(ReadOnlySpan{byte})"/>.</summary>
    public abstract void Finish();

    /// <summary>Writes bytes to the output.</summary>
    protected void Emit(ReadOnlySpan<byte> bytes) => _output.Write(bytes);

    /// <summary>Writes the held-back line breaks: content followed them, so they were not trailing.</summary>
    protected void ReleaseLineBreaks()
    {
        while (HeldLineBreaks > 0)
        {
            int count = (int)Math.Min(HeldLineBreaks, ManyLineBreaks.Length / 2);
            _output.Write(ManyLineBreaks[..(count * 2)]);
            HeldLineBreaks -= count;
        }
    }
}

/// <summary>Where canonical body bytes go (a hash, possibly cut at l=).</summary>
public interface ICanonicalOutput
{
    /// <summary>Consumes canonical bytes.</summary>
    void Write(ReadOnlySpan<byte> bytes);
}

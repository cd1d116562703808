namespace Milter.Configuration.Messages;

/// <summary>
/// Limits on what one message may make the milter hold: OpenDKIM's MaximumHeaders, the bytes of header block
/// kept before the message gets On-Security. It bounds the memory a client feeding endless header fields can take.
/// </summary>
public sealed record MessageLimits
{
    /// <summary>OpenDKIM's default MaximumHeaders.</summary>
    public const long DefaultMaximumHeaderBytes = 65536;

    /// <summary>
    /// MaximumHeaders: the header block may hold this many bytes, each field counted as OpenDKIM counts it (name,
    /// value and 2); 0 means no limit. Measured against OpenDKIM 2.11: a block of exactly the limit passes, one
    /// byte more gets On-Security at the field that crosses it.
    /// </summary>
    public long MaximumHeaderBytes { get; init; } = DefaultMaximumHeaderBytes;

    /// <summary>The defaults (OpenDKIM's).</summary>
    public static MessageLimits Default { get; } = new();

    /// <summary>Reads the limits; values were checked by the option validator (a negative one means no limit, as 0).</summary>
    public static MessageLimits From(ConfigFile config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new MessageLimits { MaximumHeaderBytes = Math.Max(0, config.GetInteger("MaximumHeaders", DefaultMaximumHeaderBytes)) };
    }

    /// <summary>True when a header block of <paramref name="bytes"/> bytes is over the limit.</summary>
    public bool HeaderBlockTooLarge(long bytes) => MaximumHeaderBytes > 0 && bytes > MaximumHeaderBytes;
}

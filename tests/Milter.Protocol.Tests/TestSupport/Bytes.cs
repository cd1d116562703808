using System.Text;

namespace Milter.Protocol.Tests.TestSupport;

/// <summary>Byte-array builders for packets written out by hand.</summary>
internal static class Bytes
{
    /// <summary>Hex digits, spaces ignored: "00 00 00 01 63".</summary>
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>One byte per char (Latin-1), so "\0" and "\xE9" are single bytes.</summary>
    public static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    public static byte[] Repeat(byte value, int count) => Enumerable.Repeat(value, count).ToArray();
}

using System.Buffers.Binary;
using CsCheck;

namespace Milter.Fuzzing.Tests.Support;

/// <summary>
/// Generators of inputs near the seed corpus, the structured half of the CI pass: a seed with a few mutations
/// applied in turn, each one of bit flips, truncation, splicing with another seed, inserted or deleted runs of
/// bytes, and length-field lies (a packet's 4-byte length replaced by a nearby or arbitrary value, for the milter
/// stream targets). Shrinking works on the mutation list, so a failure comes back as few mutations as possible.
/// </summary>
internal static class Mutations
{
    /// <summary>A seed from <paramref name="seeds"/> with 1 to 6 mutations.</summary>
    public static Gen<byte[]> Of(IReadOnlyList<byte[]> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Mutation(seeds).Array[1, 6], (index, mutations) =>
            mutations.Aggregate(seeds[index], (input, mutate) => mutate(input)));

    private static Gen<Func<byte[], byte[]>> Mutation(IReadOnlyList<byte[]> seeds) => Gen.OneOf(
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, 7], (position, bit) => (Func<byte[], byte[]>)(input => FlipBit(input, position, bit))),
        Gen.Int[0, int.MaxValue].Select(length => (Func<byte[], byte[]>)(input => input[..(input.Length == 0 ? 0 : length % (input.Length + 1))])),
        Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue],
            (other, cut, otherCut) => (Func<byte[], byte[]>)(input => Splice(input, seeds[other], cut, otherCut))),
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Byte.Array[1, 16], (position, bytes) => (Func<byte[], byte[]>)(input => Insert(input, position, bytes))),
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 16], (position, count) => (Func<byte[], byte[]>)(input => Delete(input, position, count))),
        Gen.Select(Gen.Int[0, int.MaxValue], LengthLie, (packet, length) => (Func<byte[], byte[]>)(input => LieAboutLength(input, packet, length))));

    // Off by a little (the classic framing mistakes), zero, or anything at all.
    private static Gen<Func<uint, uint>> LengthLie => Gen.OneOf(
        Gen.Int[-3, 3].Select(delta => (Func<uint, uint>)(length => (uint)(length + delta))),
        Gen.Const((Func<uint, uint>)(_ => 0u)),
        Gen.UInt.Select(value => (Func<uint, uint>)(_ => value)));

    private static byte[] FlipBit(byte[] input, int position, int bit)
    {
        if (input.Length == 0)
        {
            return input;
        }

        var output = (byte[])input.Clone();
        output[position % output.Length] ^= (byte)(1 << bit);
        return output;
    }

    private static byte[] Splice(byte[] input, byte[] other, int cut, int otherCut) =>
        [.. input.AsSpan(0, cut % (input.Length + 1)), .. other.AsSpan(otherCut % (other.Length + 1))];

    private static byte[] Insert(byte[] input, int position, byte[] bytes)
    {
        int at = position % (input.Length + 1);
        return [.. input.AsSpan(0, at), .. bytes, .. input.AsSpan(at)];
    }

    private static byte[] Delete(byte[] input, int position, int count)
    {
        if (input.Length == 0)
        {
            return input;
        }

        int at = position % input.Length;
        int end = Math.Min(input.Length, at + count);
        return [.. input.AsSpan(0, at), .. input.AsSpan(end)];
    }

    /// <summary>Rewrites the length field of the packet-th packet of a milter stream (counting from 0, wrapping).</summary>
    private static byte[] LieAboutLength(byte[] input, int packet, Func<uint, uint> lie)
    {
        var starts = new List<int>();
        for (int offset = 0; offset + 4 <= input.Length;)
        {
            starts.Add(offset);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(offset));
            if (length == 0 || length > input.Length)
            {
                break;
            }

            offset += 4 + (int)length;
        }

        if (starts.Count == 0)
        {
            return input;
        }

        var output = (byte[])input.Clone();
        int start = starts[packet % starts.Count];
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(start), lie(BinaryPrimitives.ReadUInt32BigEndian(output.AsSpan(start))));
        return output;
    }
}

using System.Buffers;

namespace Milter.Protocol.Tests.TestSupport;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s: a linked list of segments.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Create(params byte[][] parts)
    {
        if (parts.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(parts[0], 0);
        var last = first;
        for (int i = 1; i < parts.Length; i++)
        {
            last = last.Append(parts[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Cuts <paramref name="data"/> at the given ascending offsets (equal offsets give empty segments).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var parts = new List<byte[]>();
        int start = 0;
        foreach (int cut in cuts)
        {
            parts.Add(data[start..cut]);
            start = cut;
        }

        parts.Add(data[start..]);
        return Create([.. parts]);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            // A copy, so a segment never aliases another one's array.
            Memory = data.ToArray();
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

using System.Buffers;

namespace Milter.Fuzzing.Support;

/// <summary>
/// Builds a <see cref="ReadOnlySequence{T}"/> cut into several segments, as a socket's reads arrive: parsers must
/// give the same answer whether a field lies in one segment or straddles two.
/// </summary>
public static class Segments
{
    /// <summary>
    /// <paramref name="data"/> split at the given lengths (each at least 1; the rest forms the last segment).
    /// </summary>
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> data, IEnumerable<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        Segment? first = null;
        Segment? last = null;
        foreach (int wanted in lengths)
        {
            if (data.IsEmpty)
            {
                break;
            }

            int length = Math.Clamp(wanted, 1, data.Length);
            Append(data[..length]);
            data = data[length..];
        }

        if (!data.IsEmpty || first is null)
        {
            Append(data);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);

        void Append(ReadOnlyMemory<byte> memory)
        {
            var segment = new Segment(memory, last is null ? 0 : last.RunningIndex + last.Memory.Length);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.SetNext(segment);
            }

            last = segment;
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}

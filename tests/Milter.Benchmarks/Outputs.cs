using System.Security.Cryptography;
using Milter.Dkim.Canonicalization;

namespace Milter.Benchmarks;

/// <summary>Counts writes and bytes, discarding them (canonicalization cost alone).</summary>
internal sealed class CountingOutput : ICanonicalOutput
{
    public long Writes { get; private set; }

    public long Bytes { get; private set; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Writes++;
        Bytes += bytes.Length;
    }
}

/// <summary>
/// Canonical output gathered into a buffer of the given size, SHA-256 updated once per full buffer (writes at least
/// that large go straight through): BodyHasher's scheme without l=, with the buffer size as a parameter.
/// </summary>
internal sealed class BufferedHashOutput(int bufferSize) : ICanonicalOutput, IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = new byte[bufferSize];
    private int _used;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _buffer.Length - _used)
        {
            Flush();
            if (bytes.Length >= _buffer.Length)
            {
                _hash.AppendData(bytes);
                return;
            }
        }

        bytes.CopyTo(_buffer.AsSpan(_used));
        _used += bytes.Length;
    }

    public byte[] Finish()
    {
        Flush();
        return _hash.GetHashAndReset();
    }

    public void Dispose() => _hash.Dispose();

    private void Flush()
    {
        if (_used > 0)
        {
            _hash.AppendData(_buffer.AsSpan(0, _used));
            _used = 0;
        }
    }
}

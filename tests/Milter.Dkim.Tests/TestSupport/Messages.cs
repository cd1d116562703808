using System.Text;
using Milter.Dkim.Signing;
using Milter.Dkim.Verification;

namespace Milter.Dkim.Tests.TestSupport;

/// <summary>Splits raw test messages and runs them through the signer and the verifier.</summary>
internal static class Messages
{
    /// <summary>Header fields (CRLF folding kept) and body of a CRLF message.</summary>
    public static (List<HeaderField> Headers, byte[] Body) Split(byte[] message)
    {
        var headers = new List<HeaderField>();
        int position = 0;
        while (position < message.Length)
        {
            int end = IndexOfLineEnd(message, position);
            if (end == position)
            {
                position += 2;
                break;
            }

            // Continuation lines start with whitespace.
            int fieldEnd = end;
            while (fieldEnd + 2 < message.Length && message[fieldEnd + 2] is (byte)' ' or (byte)'\t')
            {
                fieldEnd = IndexOfLineEnd(message, fieldEnd + 2);
            }

            int colon = Array.IndexOf(message, (byte)':', position);
            headers.Add(new HeaderField(Encoding.Latin1.GetString(message, position, colon - position), message.AsMemory((colon + 1)..fieldEnd)));
            position = fieldEnd + 2;
        }

        return (headers, message[Math.Min(position, message.Length)..]);
    }

    public static SignatureHeader Sign(DkimSigner signer, byte[] message)
    {
        var (headers, body) = Split(message);
        using var operation = signer.Begin();
        foreach (var header in headers)
        {
            operation.AddHeader(header);
        }

        operation.AppendBody(body);
        return operation.Finish();
    }

    public static async Task<IReadOnlyList<DkimResult>> VerifyAsync(DkimVerifier verifier, byte[] message, int chunkSize = int.MaxValue)
    {
        var (headers, body) = Split(message);
        using var operation = verifier.Begin();
        foreach (var header in headers)
        {
            operation.AddHeader(header);
        }

        operation.EndOfHeaders();
        for (int i = 0; i < body.Length; i += chunkSize)
        {
            operation.AppendBody(body.AsSpan(i, Math.Min(chunkSize, body.Length - i)));
        }

        return await operation.FinishAsync();
    }

    /// <summary>The message with the signature prepended.</summary>
    public static byte[] Prepend(SignatureHeader signature, byte[] message) =>
        [.. Encoding.ASCII.GetBytes(signature + "\r\n"), .. message];

    private static int IndexOfLineEnd(byte[] message, int from)
    {
        for (int i = from; i + 1 < message.Length; i++)
        {
            if (message[i] == '\r' && message[i + 1] == '\n')
            {
                return i;
            }
        }

        return message.Length;
    }
}

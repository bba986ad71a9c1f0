using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace MndFhir.Intake;

/// <summary>
/// The byte-level checks of one export file, made before any of its rows is read: the file is not empty, it is valid
/// UTF-8 (a byte order mark is allowed; Latin-1 or UTF-16 is not, since a wrong guess would deliver garbled names), and
/// it holds no NUL byte. A problem names the line it is on. The same pass computes the SHA-256 of the file, which tells
/// a new export from one imported before.
/// </summary>
public static class ExportFileScan
{
    private const int ChunkSize = 1 << 16;

    private static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);

    public static async Task<ExportFileScanResult> ScanAsync(Stream content, string file, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize + 4);
        var chars = ArrayPool<char>.Shared.Rent(ChunkSize + 4);
        try
        {
            long line = 1;
            long total = 0;
            var carried = 0;
            var meaningful = false;
            FileProblem? problem = null;
            while (true)
            {
                var read = await content.ReadAsync(buffer.AsMemory(carried, ChunkSize), ct);
                var final = read == 0;
                sha.AppendData(buffer, carried, read);
                var length = carried + read;
                var span = buffer.AsSpan(0, length);
                if (total == 0 && span.StartsWith(Encoding.UTF8.Preamble))
                {
                    span = span[3..];
                    length -= 3;
                    buffer.AsSpan(3, length).CopyTo(buffer);
                    span = buffer.AsSpan(0, length);
                }

                total += read;
                if (problem is null)
                {
                    var status = Utf8.ToUtf16(span, chars, out var bytesRead, out _, replaceInvalidSequences: false, isFinalBlock: final);
                    var checkedBytes = span[..bytesRead];
                    var nul = checkedBytes.IndexOf((byte)0);
                    if (nul >= 0)
                    {
                        problem = new FileProblem(file, line + checkedBytes[..nul].Count((byte)'\n'), FileRules.NulByte, "a NUL byte: not a text file, or a damaged one");
                    }
                    else if (status == System.Buffers.OperationStatus.InvalidData)
                    {
                        problem = new FileProblem(file, line + checkedBytes.Count((byte)'\n'), FileRules.InvalidEncoding, "bytes that are not UTF-8 (the export must be UTF-8; Latin-1 or UTF-16 would garble names)");
                    }

                    meaningful |= checkedBytes.ContainsAnyExcept(Whitespace);
                    line += checkedBytes.Count((byte)'\n');
                    carried = length - bytesRead;
                    if (carried > 0 && problem is null)
                    {
                        // An incomplete UTF-8 sequence at the end of the chunk: kept for the next one.
                        buffer.AsSpan(bytesRead, carried).CopyTo(buffer);
                    }
                }
                else
                {
                    carried = 0;
                }

                if (final)
                {
                    break;
                }
            }

            if (problem is null && !meaningful)
            {
                problem = new FileProblem(file, null, FileRules.EmptyFile, "the file is empty: a complete export has a header row even when it has no records");
            }

            return new ExportFileScanResult(problem, Convert.ToHexStringLower(sha.GetHashAndReset()), total) { Lines = line };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}

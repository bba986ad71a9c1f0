using System.Runtime.CompilerServices;
using System.Text;
using Sylvan.Data.Csv;

namespace MndFhir.Intake;

/// <summary>
/// Streams the data rows of one export file as column → cell dictionaries, with Sylvan's RFC 4180 reader: header names
/// case-insensitive and trimmed, cells trimmed, an empty cell absent, blank lines skipped. Each row carries the physical
/// line it starts on (the header is line 1; a quoted cell may span lines) and how many cells it has (a row with fewer
/// than the header, e.g. the last line of a file cut mid-write, is the caller's row rejection, see <see cref="Header"/>).
/// Unknown columns are reported once as warnings (the first <see cref="IntakeContext.WarnedOneByOne"/> by name, the rest counted). A quote character in a cell that does not start with one (RFC 4180
/// allows quotes only around a whole cell; most often a space before the opening quote, <c>P-1, "Doe"</c>, which
/// Sylvan reads as the text <c> "Doe"</c>) is named by the cell's index, <see cref="StrayQuote"/>: the caller's row rejection.
/// A file rule broken anywhere (<see cref="FileRules"/>) ends the stream with <see cref="Problem"/> set: a missing or
/// duplicated column, an unterminated or malformed quote, a row with more cells than the header, a field longer than
/// <see cref="MaxFieldLength"/> characters, a NUL or a byte that is not UTF-8.
/// </summary>
internal sealed class CsvRows(string file, IReadOnlyCollection<string> knownColumns, IReadOnlyCollection<string> requiredColumns)
{
    /// <summary>The contract's limit on one field.</summary>
    public const int MaxFieldLength = 10_000;

    // A record must fit Sylvan's buffer; a row this long breaks the field limit anyway (most likely a quote never closed).
    private const int MaxRecordLength = 1 << 20;

    public FileProblem? Problem { get; private set; }

    /// <summary>The header's column names (lower case), once the header was read.</summary>
    public IReadOnlyList<string> Header => _header ?? [];

    private string[]? _header;

    public async IAsyncEnumerable<(long Line, Dictionary<string, string> Cells, int CellCount, int? StrayQuote)> ReadAsync(
        TextReader reader, List<IntakeWarning> warnings, [EnumeratorCancellation] CancellationToken ct)
    {
        var options = new CsvDataReaderOptions
        {
            Delimiter = ',',
            Quote = '"',
            Escape = '"',
            Comment = '\0',
            CsvStyle = CsvStyle.Standard,
            HasHeaders = false,
            BufferSize = 1 << 16,
            MaxBufferSize = MaxRecordLength,
            OwnsReader = false,
        };
        CsvDataReader csv;
        try
        {
            // Creating the reader reads its first buffer already.
            csv = await CsvDataReader.CreateAsync(reader, options, ct);
        }
        catch (DecoderFallbackException)
        {
            Problem = new FileProblem(file, 1, FileRules.InvalidEncoding, "bytes that are not UTF-8 near the start (the export must be UTF-8)");
            yield break;
        }
        catch (CsvFormatException ex)
        {
            // The header is read here already: one longer than the buffer (a quote never closed, 150,000 column names)
            // or badly quoted is a problem of this file, not of the import.
            Problem = FormatProblem(ex, 1);
            yield break;
        }

        await using var _ = csv;
        long nextLine = 1;
        string[]? header = null;
        while (true)
        {
            var line = nextLine;
            bool more;
            try
            {
                more = await csv.ReadAsync(ct);
            }
            catch (CsvFormatException ex)
            {
                Problem = FormatProblem(ex, line);
                yield break;
            }
            catch (DecoderFallbackException)
            {
                Problem = new FileProblem(file, line, FileRules.InvalidEncoding, "bytes that are not UTF-8 near this line (the export must be UTF-8)");
                yield break;
            }

            if (!more)
            {
                break;
            }

            var count = csv.RowFieldCount;
            var fields = new string[count];
            var breaks = 0;
            var quoted = false;
            for (var i = 0; i < count; i++)
            {
                var value = csv.GetString(i);
                if (value.Length > MaxFieldLength)
                {
                    Problem = new FileProblem(file, line, FileRules.FieldTooLong, $"field {i + 1} has {value.Length:N0} characters, more than the {MaxFieldLength:N0} allowed (a quote that is never closed reads on to the end)");
                    yield break;
                }

                if (value.Contains('\0'))
                {
                    Problem = new FileProblem(file, line, FileRules.NulByte, "a NUL byte: not a text file, or a damaged one");
                    yield break;
                }

                breaks += LineBreaks(value);
                quoted |= value.Contains('"');
                fields[i] = value;
            }

            nextLine = line + 1 + breaks;
            if (header is null)
            {
                header = ReadHeader(fields, warnings);
                _header = header;
                if (Problem is not null)
                {
                    yield break;
                }

                continue;
            }

            if (count == 1 && string.IsNullOrWhiteSpace(fields[0]))
            {
                continue;
            }

            if (count > header.Length)
            {
                Problem = new FileProblem(file, line, FileRules.TooManyCells, $"the row has {count} cells, the header {header.Length} (a comma too many, or a cell that needs quotes)");
                yield break;
            }

            var cells = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var value = fields[i].Trim();
                if (value.Length > 0 && knownColumns.Contains(header[i]))
                {
                    cells[header[i]] = value;
                }
            }

            // Only a row with a quote character in a value is scanned again, in its raw text: a quoted cell's doubled
            // quotes are its content, a quote anywhere else is stray.
            yield return (line, cells, count, quoted ? StrayQuote(csv.GetRawRecordSpan()) : null);
        }

        if (header is null)
        {
            Problem = new FileProblem(file, null, FileRules.EmptyFile, "the file is empty: a complete export has a header row even when it has no records");
        }
    }

    private string[] ReadHeader(string[] fields, List<IntakeWarning> warnings)
    {
        var header = fields.Select(h => h.Trim().TrimStart('\uFEFF').Trim().ToLowerInvariant()).ToArray();
        var duplicated = header.Where(h => h.Length > 0).GroupBy(h => h, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicated.Count > 0)
        {
            Problem = new FileProblem(file, 1, FileRules.DuplicateColumn, $"column {string.Join(", ", duplicated)} is named more than once: which one holds the data is not clear");
            return header;
        }

        var missing = requiredColumns.Where(c => !header.Contains(c, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            Problem = new FileProblem(file, 1, FileRules.MissingColumn, $"required column {string.Join(", ", missing)} is missing (the header has: {string.Join(", ", header.Where(h => h.Length > 0))})");
            return header;
        }

        // The first ones one by one, the rest counted in one line: a header of 100,000 unknown columns (it fits the
        // 1 MiB a row may have) would otherwise hold 100,000 warnings.
        var unknownColumns = 0;
        foreach (var unknown in header.Where(h => !knownColumns.Contains(h)).Distinct())
        {
            if (++unknownColumns <= IntakeContext.WarnedOneByOne)
            {
                warnings.Add(new IntakeWarning(file, 1, unknown.Length == 0 ? "a column without a name is ignored" : $"unknown column '{unknown}' is ignored"));
            }
        }

        if (unknownColumns > IntakeContext.WarnedOneByOne)
        {
            warnings.Add(new IntakeWarning(file, 1, $"{unknownColumns - IntakeContext.WarnedOneByOne} more unknown columns are ignored (the first ones are listed one by one)"));
        }

        return header;
    }

    /// <summary>
    /// The index of the first cell of a raw record (as Sylvan read it: every quoted cell closed and followed by a comma or
    /// the end) that holds a quote without starting with one, or null.
    /// </summary>
    internal static int? StrayQuote(ReadOnlySpan<char> raw)
    {
        var cell = 0;
        var i = 0;
        while (true)
        {
            if (i < raw.Length && raw[i] == '"')
            {
                for (i++; i < raw.Length; i++)
                {
                    if (raw[i] == '"')
                    {
                        if (i + 1 < raw.Length && raw[i + 1] == '"')
                        {
                            i++;
                            continue;
                        }

                        i++;
                        break;
                    }
                }
            }
            else
            {
                for (; i < raw.Length && raw[i] is not (',' or '\r' or '\n'); i++)
                {
                    if (raw[i] == '"')
                    {
                        return cell;
                    }
                }
            }

            if (i >= raw.Length || raw[i] != ',')
            {
                return null;
            }

            cell++;
            i++;
        }
    }

    private FileProblem FormatProblem(CsvFormatException ex, long line) => ex switch
    {
        CsvRecordTooLargeException => new FileProblem(file, line, FileRules.FieldTooLong, $"a row longer than {MaxRecordLength:N0} characters starts here: most likely a quote that is never closed"),
        // Sylvan reports a space or tab after a closing quote (`"Doe" ,`) as a quote never closed too.
        _ when ex.Message.Contains("without a closing quote", StringComparison.Ordinal) =>
            new FileProblem(file, line, FileRules.UnterminatedQuote, "a quoted cell on this line is never closed (the rest of the file would be read into it), or its closing quote is followed by a space or tab before the comma (RFC 4180 allows nothing there)"),
        _ => new FileProblem(file, line, FileRules.MalformedQuote, "a quoted cell here is followed by something other than a comma or the end of the line"),
    };

    private static int LineBreaks(string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            return 0;
        }

        var breaks = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\n' || (value[i] == '\r' && (i + 1 == value.Length || value[i + 1] != '\n')))
            {
                breaks++;
            }
        }

        return breaks;
    }
}

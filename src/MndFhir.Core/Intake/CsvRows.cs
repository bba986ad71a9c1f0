using System.Runtime.CompilerServices;

namespace MndFhir.Intake;

/// <summary>
/// Streams the data rows of one export file as column → cell dictionaries (header names case-insensitive and
/// trimmed, cells trimmed, empty cell = absent), each with the physical line it starts on (the header is line 1).
/// Unknown columns are reported once as warnings and ignored.
/// </summary>
internal static class CsvRows
{
    public static async IAsyncEnumerable<(long Line, Dictionary<string, string> Cells)> ReadAsync(
        TextReader reader, string file, IReadOnlyCollection<string> knownColumns, List<IntakeWarning> warnings, [EnumeratorCancellation] CancellationToken ct)
    {
        var csv = new CsvRecordReader(reader);
        var headerFields = await csv.ReadAsync(ct);
        if (headerFields is null)
        {
            yield break;
        }

        var header = headerFields.Select(h => h.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToArray();
        foreach (var unknown in header.Where(h => !knownColumns.Contains(h)).Distinct())
        {
            warnings.Add(new IntakeWarning(file, 1, $"unknown column '{unknown}' is ignored"));
        }

        while (await csv.ReadAsync(ct) is { } fields)
        {
            if (fields.Count == 1 && string.IsNullOrWhiteSpace(fields[0]))
            {
                continue;
            }

            var cells = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Length && i < fields.Count; i++)
            {
                var value = fields[i].Trim();
                if (value.Length > 0 && knownColumns.Contains(header[i]))
                {
                    cells[header[i]] = value;
                }
            }

            yield return (csv.RecordLine, cells);
        }
    }
}

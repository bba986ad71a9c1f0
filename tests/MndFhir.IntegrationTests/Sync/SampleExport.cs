using System.Globalization;
using CsvHelper;

namespace MndFhir.IntegrationTests.Sync;

/// <summary>The sample export as plain rows, to compare a server's contents with.</summary>
internal sealed record SampleExport(
    IReadOnlyDictionary<string, SampleExport.Row> Patients,
    IReadOnlyDictionary<string, SampleExport.Row> Treatments,
    IReadOnlyDictionary<string, SampleExport.Row> Assessments)
{
    public static SampleExport Read(string folder) => new(
        ReadRows(Path.Combine(folder, "patients.csv"), "patient_id"),
        ReadRows(Path.Combine(folder, "treatments.csv"), "treatment_id"),
        ReadRows(Path.Combine(folder, "assessments.csv"), "assessment_id"));

    /// <summary>Rewrites one cell of the row with the given id (first column named *_id), keeping everything else.</summary>
    public static void ReplaceCell(string path, string id, string column, string value)
    {
        var (header, rows) = Load(path);
        var idColumn = Array.FindIndex(header, h => h.EndsWith("_id", StringComparison.Ordinal));
        var target = Array.IndexOf(header, column);
        var row = rows.Single(r => r[idColumn] == id);
        row[target] = value;
        using var writer = new StreamWriter(path);
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        foreach (var h in header)
        {
            csv.WriteField(h);
        }

        csv.NextRecord();
        foreach (var r in rows)
        {
            foreach (var cell in r)
            {
                csv.WriteField(cell);
            }

            csv.NextRecord();
        }
    }

    private static Dictionary<string, Row> ReadRows(string path, string idColumn)
    {
        var (header, rows) = Load(path);
        int Col(string name) => Array.IndexOf(header, name);
        var id = Col(idColumn);
        return rows.ToDictionary(
            r => r[id],
            r => new Row(r[id], r[Col("patient_id")], Col("code") >= 0 ? r[Col("code")] : string.Empty, Col("unit") >= 0 ? r[Col("unit")] : string.Empty));
    }

    private static (string[] Header, List<string[]> Rows) Load(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        var header = csv.HeaderRecord!;
        var rows = new List<string[]>();
        while (csv.Read())
        {
            rows.Add(Enumerable.Range(0, header.Length).Select(i => csv.GetField(i) ?? string.Empty).ToArray());
        }

        return (header, rows);
    }

    internal sealed record Row(string Id, string PatientId, string Code, string Unit);
}

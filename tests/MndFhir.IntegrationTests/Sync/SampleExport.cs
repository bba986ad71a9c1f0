using System.Text;
using MndFhir.Intake;

namespace MndFhir.IntegrationTests.Sync;

/// <summary>The sample export as plain rows, to compare a server's contents with.</summary>
internal sealed record SampleExport(
    IReadOnlyDictionary<string, SampleExport.Row> Patients,
    IReadOnlyDictionary<string, SampleExport.Row> Treatments,
    IReadOnlyDictionary<string, SampleExport.Row> Assessments)
{
    /// <summary>Business ids of the questionnaire panel Observations (one per ALSFRS-R panel_id).</summary>
    public IReadOnlyList<string> PanelIds { get; } = Assessments.Values
        .Where(a => a.PanelId is not null && a.Code.StartsWith("ALSFRSR_", StringComparison.Ordinal))
        .Select(a => "panel:ALSFRSR:" + a.PanelId).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Business ids of the derived Observations (the ALSFRS-R progression rate, one per ALSFRS-R total).</summary>
    public IReadOnlyList<string> DerivedIds { get; } = Assessments.Values
        .Where(a => a.Code == "ALSFRSR_TOTAL")
        .Select(a => "derived:ALSFRSR_DFS:" + a.Id).Order(StringComparer.Ordinal).ToList();

    /// <summary>Business ids of every Observation MndFhir makes from the export.</summary>
    public IEnumerable<string> ObservationIds => Assessments.Keys.Concat(PanelIds).Concat(DerivedIds);

    public static async Task<SampleExport> ReadAsync(string folder) => new(
        await ReadRowsAsync(Path.Combine(folder, "patients.csv"), "patient_id"),
        await ReadRowsAsync(Path.Combine(folder, "treatments.csv"), "treatment_id"),
        await ReadRowsAsync(Path.Combine(folder, "assessments.csv"), "assessment_id"));

    /// <summary>Rewrites one cell of the row with the given id (first column named *_id), keeping everything else.</summary>
    public static async Task ReplaceCellAsync(string path, string id, string column, string value)
    {
        var (header, rows) = await LoadAsync(path);
        var idColumn = header.FindIndex(h => h.EndsWith("_id", StringComparison.Ordinal));
        var row = rows.Single(r => r[idColumn] == id);
        row[header.IndexOf(column)] = value;
        var text = new StringBuilder();
        foreach (var r in rows.Prepend(header))
        {
            text.Append(string.Join(',', r.Select(Quote))).Append('\n');
        }

        await File.WriteAllTextAsync(path, text.ToString());
    }

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;

    private static async Task<Dictionary<string, Row>> ReadRowsAsync(string path, string idColumn)
    {
        var (header, rows) = await LoadAsync(path);
        int Col(string name) => header.IndexOf(name);
        var id = Col(idColumn);
        return rows.ToDictionary(
            r => r[id],
            r => new Row(
                r[id],
                r[Col("patient_id")],
                Col("code") >= 0 ? r[Col("code")] : string.Empty,
                Col("unit") >= 0 ? r[Col("unit")] : string.Empty,
                idColumn != "treatment_id" && Col("treatment_id") >= 0 && r[Col("treatment_id")].Length > 0 ? r[Col("treatment_id")] : null,
                Col("panel_id") >= 0 && r[Col("panel_id")].Length > 0 ? r[Col("panel_id")] : null));
    }

    private static async Task<(List<string> Header, List<List<string>> Rows)> LoadAsync(string path)
    {
        await using var csv = await Sylvan.Data.Csv.CsvDataReader.CreateAsync(path, new Sylvan.Data.Csv.CsvDataReaderOptions { Delimiter = ',' });
        var header = Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).ToList();
        var rows = new List<List<string>>();
        while (await csv.ReadAsync(CancellationToken.None))
        {
            if (csv.RowFieldCount == header.Count)
            {
                rows.Add(Enumerable.Range(0, header.Count).Select(csv.GetString).ToList());
            }
        }

        return (header, rows);
    }

    internal sealed record Row(string Id, string PatientId, string Code, string Unit, string? TreatmentId, string? PanelId);
}

using System.Globalization;
using System.Runtime.CompilerServices;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>
/// Parses and checks the clinic export against the intake contract (clinic-export-format.md), row by row, streaming.
/// Every row comes out either as a record (with its content hash set) or as a rejection naming file, line, column and
/// rule. A repeated id with different content in one file is rejected; an identical repeat is skipped with a warning.
/// A problem of the whole file (<see cref="FileRules"/>) ends the stream with an item that carries it.
/// </summary>
public sealed partial class ClinicExportParser
{
    private static readonly string[] PatientColumns =
        ["patient_id", "hospital_mrn", "family_name", "given_name", "sex", "birth_date", "diagnosis", "onset_date", "onset_region", "diagnosis_date", "registry_consent", "deceased_date"];

    private static readonly string[] PatientRequired = ["patient_id", "sex", "birth_date", "diagnosis", "registry_consent"];

    private static readonly string[] TreatmentColumns =
        ["treatment_id", "patient_id", "code", "status", "performed_start", "performed_end", "cell_type", "cell_source", "cell_count", "body_site", "cycle", "performer", "complication", "note"];

    private static readonly string[] TreatmentRequired = ["treatment_id", "patient_id", "code", "performed_start"];

    private static readonly string[] AssessmentColumns =
        ["assessment_id", "patient_id", "code", "value", "unit", "effective", "panel_id", "body_site", "treatment_id", "status", "note"];

    private static readonly string[] AssessmentRequired = ["assessment_id", "patient_id", "code", "value", "effective"];

    private static readonly Dictionary<string, Sex> Sexes = new() { ["male"] = Sex.Male, ["female"] = Sex.Female, ["other"] = Sex.Other, ["unknown"] = Sex.Unknown };
    private static readonly Dictionary<string, Diagnosis> Diagnoses = Enum.GetValues<Diagnosis>().ToDictionary(d => d.ToString().ToLowerInvariant());
    private static readonly Dictionary<string, OnsetRegion> Regions = Enum.GetValues<OnsetRegion>().ToDictionary(r => r.ToString().ToLowerInvariant());
    private static readonly Dictionary<string, bool> YesNo = new() { ["yes"] = true, ["no"] = false };
    private static readonly Dictionary<string, CellSource> CellSources = Enum.GetValues<CellSource>().ToDictionary(c => c.ToString().ToLowerInvariant());

    private static readonly Dictionary<string, TreatmentStatus> TreatmentStatuses = new()
    {
        ["completed"] = TreatmentStatus.Completed,
        ["in-progress"] = TreatmentStatus.InProgress,
        ["not-done"] = TreatmentStatus.NotDone,
        ["entered-in-error"] = TreatmentStatus.EnteredInError,
    };

    private static readonly Dictionary<string, AssessmentStatus> AssessmentStatuses = new()
    {
        ["final"] = AssessmentStatus.Final,
        ["amended"] = AssessmentStatus.Amended,
        ["entered-in-error"] = AssessmentStatus.EnteredInError,
    };

    public IAsyncEnumerable<ParsedRow<PatientRecord>> ReadPatientsAsync(TextReader reader, IntakeContext context, CancellationToken ct) =>
        ReadPatientsAsync(reader, context, new SeenIds(), ct);

    /// <param name="seen">Filled with the id of every accepted row (and the content it had); the caller may add others.</param>
    public IAsyncEnumerable<ParsedRow<PatientRecord>> ReadPatientsAsync(TextReader reader, IntakeContext context, SeenIds seen, CancellationToken ct) =>
        ReadAsync<PatientRecord>(reader, ClinicFile.Patients, PatientColumns, PatientRequired, "patient_id", context, seen, Patient, ct);

    public IAsyncEnumerable<ParsedRow<TreatmentRecord>> ReadTreatmentsAsync(TextReader reader, IntakeContext context, CancellationToken ct) =>
        ReadTreatmentsAsync(reader, context, new SeenIds(), ct);

    /// <param name="seen">Filled with the id of every accepted row (and the content it had); the caller may add others.</param>
    public IAsyncEnumerable<ParsedRow<TreatmentRecord>> ReadTreatmentsAsync(TextReader reader, IntakeContext context, SeenIds seen, CancellationToken ct) =>
        ReadAsync<TreatmentRecord>(reader, ClinicFile.Treatments, TreatmentColumns, TreatmentRequired, "treatment_id", context, seen, Treatment, ct);

    public IAsyncEnumerable<ParsedRow<AssessmentRecord>> ReadAssessmentsAsync(TextReader reader, IntakeContext context, CancellationToken ct) =>
        ReadAssessmentsAsync(reader, context, new SeenIds(), ct);

    /// <param name="seen">Filled with the id of every accepted row (and the content it had); the caller may add others.</param>
    public IAsyncEnumerable<ParsedRow<AssessmentRecord>> ReadAssessmentsAsync(TextReader reader, IntakeContext context, SeenIds seen, CancellationToken ct) =>
        ReadAsync<AssessmentRecord>(reader, ClinicFile.Assessments, AssessmentColumns, AssessmentRequired, "assessment_id", context, seen, Assessment, ct);

    private static async IAsyncEnumerable<ParsedRow<T>> ReadAsync<T>(
        TextReader reader,
        ClinicFile file,
        string[] columns,
        string[] required,
        string idColumn,
        IntakeContext context,
        SeenIds seen,
        Func<RowCursor, IntakeContext, T?> build,
        [EnumeratorCancellation] CancellationToken ct)
        where T : ClinicRecord
    {
        var name = file.FileName();

        // Per id (as its 64-bit hash), the first 64 bits of its content hash: enough to tell an identical repeat from
        // a different one. An id seen only in rejected rows has none: a later valid row of it is accepted.
        var csv = new CsvRows(name, columns, required);
        await foreach (var (line, cells, count, strayQuote) in csv.ReadAsync(reader, context.Warnings, ct))
        {
            var row = new RowCursor(name, line, cells, idColumn, context);
            if (strayQuote is { } at)
            {
                // RFC 4180 quotes a whole cell or nothing: ' "Doe"' (a space before the quote) would keep the quotes as
                // text, and ' "Doe, Jane"' would split in two and shift the cells after it. The row is not read.
                var column = csv.Header[at].Length > 0 ? csv.Header[at] : $"column {at + 1}";
                row.Fail(column, IntakeRules.StrayQuote, "a quote character in a cell not enclosed in quotes (a space before an opening quote?): RFC 4180 allows quotes only around a whole cell, so the row is not read");
            }

            if (count < csv.Header.Count)
            {
                // Missing cells are not empty ones: most likely the file was cut mid-write (its last row then ends
                // inside a cell, e.g. 1.7 of 1.7e8). Reading them as empty would keep a value cut short.
                var missing = csv.Header[count].Length > 0 ? csv.Header[count] : $"column {count + 1}";
                row.Fail(missing, IntakeRules.TooFewCells, $"the row has {count} cells, the header {csv.Header.Count} (a file cut short, or a row missing its last commas)");
            }

            row.Id(idColumn, required: true);
            var record = row.Failed ? null : build(row, context);
            if (row.Rejection is { } rejection || record is null)
            {
                yield return new ParsedRow<T>(line, null, row.Rejection);
                continue;
            }

            record.ContentHash = RecordHasher.Hash(record);
            var hash = Math.Max(1, ulong.Parse(record.ContentHash.AsSpan(0, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            var id = IdHash.Of(record.RecordId);
            if (seen.TryGetContent(id, out var earlierHash))
            {
                if (earlierHash == hash)
                {
                    context.Warnings.Add(new IntakeWarning(name, line, $"{idColumn} {record.RecordId} repeats an identical earlier row; skipped"));
                    continue;
                }

                row.Fail(idColumn, IntakeRules.DuplicateId, $"{idColumn} {record.RecordId} appears earlier in this file with different content");
                yield return new ParsedRow<T>(line, null, row.Rejection);
                continue;
            }

            seen.SetContent(id, hash);
            yield return new ParsedRow<T>(line, record, null);
        }

        if (file == ClinicFile.Assessments && context.UnusedPanelIds > IntakeContext.WarnedOneByOne)
        {
            context.Warnings.Add(new IntakeWarning(name, null, $"{context.UnusedPanelIds - IntakeContext.WarnedOneByOne} more rows of measures of no panel carry a panel_id, not used (the first ones are listed one by one)"));
        }

        if (csv.Problem is { } problem)
        {
            yield return new ParsedRow<T>(problem.Line ?? 0, null, null) { FileProblem = problem };
        }
    }

    private static PatientRecord? Patient(RowCursor row, IntakeContext context)
    {
        var record = new PatientRecord
        {
            PatientId = row.Id("patient_id", required: true)!,
            HospitalMrn = row.Text("hospital_mrn", RecordLimits.Id),
            FamilyName = row.Text("family_name", RecordLimits.Name),
            GivenName = row.Text("given_name", RecordLimits.Name),
            Sex = row.Enum("sex", Sexes, required: true) ?? Sex.Unknown,
            BirthDate = row.Date("birth_date", required: true, allowPartial: true, allowTime: false) ?? default,
            Diagnosis = row.Enum("diagnosis", Diagnoses, required: true) ?? Diagnosis.MND,
            OnsetDate = row.Date("onset_date", required: false, allowPartial: true, allowTime: false),
        };
        row.NotBeforeBirth("onset_date", record.OnsetDate, record.BirthDate);
        record.OnsetRegion = row.Enum("onset_region", Regions, required: false);
        record.DiagnosisDate = row.Date("diagnosis_date", required: false, allowPartial: false, allowTime: false);
        row.NotBeforeBirth("diagnosis_date", record.DiagnosisDate, record.BirthDate);
        record.RegistryConsent = row.Enum("registry_consent", YesNo, required: true) ?? false;
        record.DeceasedDate = row.Date("deceased_date", required: false, allowPartial: false, allowTime: false);
        row.NotBeforeBirth("deceased_date", record.DeceasedDate, record.BirthDate);
        return row.Failed ? null : record;
    }
}

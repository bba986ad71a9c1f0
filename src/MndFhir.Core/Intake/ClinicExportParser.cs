using System.Runtime.CompilerServices;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>
/// Parses and checks the clinic export against the intake contract (clinic-export-format.md), row by row, streaming.
/// Every row comes out either as a record (with its content hash set) or as a rejection naming file, line, column and
/// rule. A repeated id with different content in one file is rejected; an identical repeat is skipped with a warning.
/// </summary>
public sealed partial class ClinicExportParser
{
    private static readonly string[] PatientColumns =
        ["patient_id", "hospital_mrn", "family_name", "given_name", "sex", "birth_date", "diagnosis", "onset_date", "onset_region", "diagnosis_date", "registry_consent", "deceased_date"];

    private static readonly string[] TreatmentColumns =
        ["treatment_id", "patient_id", "code", "status", "performed_start", "performed_end", "cell_type", "cell_source", "cell_count", "body_site", "cycle", "performer", "complication", "note"];

    private static readonly string[] AssessmentColumns =
        ["assessment_id", "patient_id", "code", "value", "unit", "effective", "panel_id", "body_site", "treatment_id", "status", "note"];

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
        ReadAsync<PatientRecord>(reader, ClinicFile.Patients, PatientColumns, "patient_id", context, Patient, ct);

    public IAsyncEnumerable<ParsedRow<TreatmentRecord>> ReadTreatmentsAsync(TextReader reader, IntakeContext context, CancellationToken ct) =>
        ReadAsync<TreatmentRecord>(reader, ClinicFile.Treatments, TreatmentColumns, "treatment_id", context, Treatment, ct);

    public IAsyncEnumerable<ParsedRow<AssessmentRecord>> ReadAssessmentsAsync(TextReader reader, IntakeContext context, CancellationToken ct) =>
        ReadAsync<AssessmentRecord>(reader, ClinicFile.Assessments, AssessmentColumns, "assessment_id", context, Assessment, ct);

    private static async IAsyncEnumerable<ParsedRow<T>> ReadAsync<T>(
        TextReader reader,
        ClinicFile file,
        string[] columns,
        string idColumn,
        IntakeContext context,
        Func<RowCursor, IntakeContext, T?> build,
        [EnumeratorCancellation] CancellationToken ct)
        where T : ClinicRecord
    {
        var name = file.FileName();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var (line, cells) in CsvRows.ReadAsync(reader, name, columns, context.Warnings, ct))
        {
            var row = new RowCursor(name, line, cells, idColumn);
            row.Required(idColumn);
            var record = row.Failed ? null : build(row, context);
            if (row.Rejection is { } rejection || record is null)
            {
                yield return new ParsedRow<T>(line, null, row.Rejection);
                continue;
            }

            record.ContentHash = RecordHasher.Hash(record);
            if (seen.TryGetValue(record.RecordId, out var earlierHash))
            {
                if (earlierHash == record.ContentHash)
                {
                    context.Warnings.Add(new IntakeWarning(name, line, $"{idColumn} {record.RecordId} repeats an identical earlier row; skipped"));
                    continue;
                }

                row.Fail(idColumn, IntakeRules.DuplicateId, $"{idColumn} {record.RecordId} appears earlier in this file with different content");
                yield return new ParsedRow<T>(line, null, row.Rejection);
                continue;
            }

            seen[record.RecordId] = record.ContentHash;
            yield return new ParsedRow<T>(line, record, null);
        }
    }

    private static PatientRecord Patient(RowCursor row, IntakeContext context) => new()
    {
        PatientId = row.Required("patient_id"),
        HospitalMrn = row.Optional("hospital_mrn"),
        FamilyName = row.Optional("family_name"),
        GivenName = row.Optional("given_name"),
        Sex = row.Enum("sex", Sexes, required: true) ?? Sex.Unknown,
        BirthDate = row.Date("birth_date", required: true, allowPartial: true) ?? default,
        Diagnosis = row.Enum("diagnosis", Diagnoses, required: true) ?? Diagnosis.MND,
        OnsetDate = row.Date("onset_date", required: false, allowPartial: true),
        OnsetRegion = row.Enum("onset_region", Regions, required: false),
        DiagnosisDate = row.Date("diagnosis_date", required: false, allowPartial: false),
        RegistryConsent = row.Enum("registry_consent", YesNo, required: true) ?? false,
        DeceasedDate = row.Date("deceased_date", required: false, allowPartial: false),
    };
}

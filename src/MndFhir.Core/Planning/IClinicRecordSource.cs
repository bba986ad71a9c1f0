using MndFhir.Records;

namespace MndFhir.Planning;

/// <summary>
/// The clinic records in scope of a plan (a destination's consent scope, some patients, some records), streamed in a
/// stable order: the database for syncs, reconcile and the dry run, parsed rows for the coverage report.
/// </summary>
public interface IClinicRecordSource
{
    /// <summary>The patients in scope, by patient_id.</summary>
    IAsyncEnumerable<PatientRecord> PatientsAsync(CancellationToken ct);

    /// <summary>The treatments in scope, by treatment_id.</summary>
    IAsyncEnumerable<TreatmentRecord> TreatmentsAsync(CancellationToken ct);

    /// <summary>The assessments in scope, by assessment_id.</summary>
    IAsyncEnumerable<AssessmentRecord> AssessmentsAsync(CancellationToken ct);

    /// <summary>The assessments in scope with a panel_id and one of <paramref name="codes"/>, by panel_id, then assessment_id.</summary>
    IAsyncEnumerable<AssessmentRecord> PanelMembersAsync(IReadOnlyCollection<string> codes, CancellationToken ct);

    /// <summary>The assessments in scope with the given code, by assessment_id.</summary>
    IAsyncEnumerable<AssessmentRecord> AssessmentsWithCodeAsync(string code, CancellationToken ct);

    /// <summary>
    /// How many records are in scope: patients, treatments, assessments, distinct panel_ids among assessments with one of
    /// <paramref name="panelCodes"/>, and assessments with one of <paramref name="derivedFromCodes"/>.
    /// </summary>
    Task<RecordCounts> CountAsync(IReadOnlyCollection<string> panelCodes, IReadOnlyCollection<string> derivedFromCodes, CancellationToken ct);

    /// <summary>The symptom onset of every patient whose records are in scope (one small value per patient).</summary>
    Task<IReadOnlyDictionary<string, ClinicDate?>> OnsetsAsync(CancellationToken ct);
}

using MndFhir.Records;

namespace MndFhir.Planning;

/// <summary>Records held in memory (parsed rows of an export, test records), served in the order a database would.</summary>
public sealed class InMemoryRecordSource(IEnumerable<PatientRecord> patients, IEnumerable<TreatmentRecord> treatments, IEnumerable<AssessmentRecord> assessments)
    : IClinicRecordSource
{
    private readonly List<PatientRecord> _patients = [.. patients.OrderBy(p => p.PatientId, StringComparer.Ordinal)];
    private readonly List<TreatmentRecord> _treatments = [.. treatments.OrderBy(t => t.TreatmentId, StringComparer.Ordinal)];
    private readonly List<AssessmentRecord> _assessments = [.. assessments.OrderBy(a => a.AssessmentId, StringComparer.Ordinal)];

    public IAsyncEnumerable<PatientRecord> PatientsAsync(CancellationToken ct) => _patients.ToAsyncEnumerable();

    public IAsyncEnumerable<TreatmentRecord> TreatmentsAsync(CancellationToken ct) => _treatments.ToAsyncEnumerable();

    public IAsyncEnumerable<AssessmentRecord> AssessmentsAsync(CancellationToken ct) => _assessments.ToAsyncEnumerable();

    public IAsyncEnumerable<AssessmentRecord> PanelMembersAsync(IReadOnlyCollection<string> codes, CancellationToken ct) =>
        _assessments.Where(a => a.PanelId is not null && codes.Contains(a.Code))
            .OrderBy(a => a.PanelId, StringComparer.Ordinal).ThenBy(a => a.AssessmentId, StringComparer.Ordinal)
            .ToAsyncEnumerable();

    public IAsyncEnumerable<AssessmentRecord> AssessmentsWithCodeAsync(string code, CancellationToken ct) =>
        _assessments.Where(a => a.Code == code).ToAsyncEnumerable();

    public Task<RecordCounts> CountAsync(IReadOnlyCollection<string> panelCodes, IReadOnlyCollection<string> derivedFromCodes, CancellationToken ct) =>
        Task.FromResult(new RecordCounts(
            _patients.Count,
            _treatments.Count,
            _assessments.Count,
            _assessments.Where(a => a.PanelId is not null && panelCodes.Contains(a.Code)).Select(a => a.PanelId).Distinct().Count(),
            _assessments.Count(a => derivedFromCodes.Contains(a.Code))));

    public Task<IReadOnlyDictionary<string, ClinicDate?>> OnsetsAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyDictionary<string, ClinicDate?>>(_patients.ToDictionary(p => p.PatientId, p => p.OnsetDate, StringComparer.Ordinal));
}

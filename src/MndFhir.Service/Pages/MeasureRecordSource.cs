using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MndFhir.Planning;
using MndFhir.Records;

namespace MndFhir.Service.Pages;

/// <summary>
/// A record source narrowed to the assessments of some measure codes (the cohort view needs only the ALSFRS-R totals),
/// which also remembers whose each treatment and assessment it served was.
/// </summary>
internal sealed class MeasureRecordSource(IClinicRecordSource inner, IReadOnlyCollection<string> codes) : IClinicRecordSource
{
    private readonly ConcurrentDictionary<string, string> _patientOf = new(StringComparer.Ordinal);

    public string PatientOf(string recordId) => _patientOf.GetValueOrDefault(recordId) ?? string.Empty;

    public IAsyncEnumerable<PatientRecord> PatientsAsync(CancellationToken ct) => inner.PatientsAsync(ct);

    public async IAsyncEnumerable<TreatmentRecord> TreatmentsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var t in inner.TreatmentsAsync(ct))
        {
            _patientOf[t.TreatmentId] = t.PatientId;
            yield return t;
        }
    }

    public async IAsyncEnumerable<AssessmentRecord> AssessmentsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var code in codes)
        {
            await foreach (var a in inner.AssessmentsWithCodeAsync(code, ct))
            {
                _patientOf[a.AssessmentId] = a.PatientId;
                yield return a;
            }
        }
    }

    public IAsyncEnumerable<AssessmentRecord> PanelMembersAsync(IReadOnlyCollection<string> panelCodes, CancellationToken ct) =>
        inner.PanelMembersAsync([.. panelCodes.Where(codes.Contains)], ct);

    public IAsyncEnumerable<AssessmentRecord> AssessmentsWithCodeAsync(string code, CancellationToken ct) =>
        codes.Contains(code) ? inner.AssessmentsWithCodeAsync(code, ct) : AsyncEnumerable.Empty<AssessmentRecord>();

    public Task<RecordCounts> CountAsync(IReadOnlyCollection<string> panelCodes, IReadOnlyCollection<string> derivedFromCodes, CancellationToken ct) =>
        inner.CountAsync(panelCodes, derivedFromCodes, ct);

    public Task<IReadOnlyDictionary<string, ClinicDate?>> OnsetsAsync(CancellationToken ct) => inner.OnsetsAsync(ct);
}

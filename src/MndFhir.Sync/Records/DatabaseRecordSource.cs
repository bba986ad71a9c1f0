using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Planning;
using MndFhir.Records;

namespace MndFhir.Sync.Records;

/// <summary>
/// The stored records of a <see cref="RecordScope"/>, streamed one at a time (read raw from the SQL EF generates for the
/// scope's queries: <see cref="RecordRows"/>), so memory does not grow with the number of records.
/// </summary>
public sealed class DatabaseRecordSource(MndFhirDbContext db, RecordScope scope) : IClinicRecordSource
{
    public IAsyncEnumerable<PatientRecord> PatientsAsync(CancellationToken ct) =>
        Patients().OrderBy(p => p.PatientId).ReadAsync(db, RecordRows.Patients(db), ct);

    public IAsyncEnumerable<TreatmentRecord> TreatmentsAsync(CancellationToken ct) =>
        Treatments().OrderBy(t => t.TreatmentId).ReadAsync(db, RecordRows.Treatments(db), ct);

    public IAsyncEnumerable<AssessmentRecord> AssessmentsAsync(CancellationToken ct) =>
        ReadAssessmentsAsync(Assessments().OrderBy(a => a.AssessmentId), ct);

    /// <summary>
    /// For single records, every member of their panels: a panel is made of its whole administration, never of the
    /// one item asked for.
    /// </summary>
    public IAsyncEnumerable<AssessmentRecord> PanelMembersAsync(IReadOnlyCollection<string> codes, CancellationToken ct)
    {
        var members = Assessments().Where(a => a.PanelId != null && codes.Contains(a.Code));
        if (scope.RecordIds is { } records && scope.PatientIds is null)
        {
            var panels = members.Where(a => records.Contains(a.AssessmentId)).Select(a => a.PanelId);
            members = Everyone().Where(a => a.PanelId != null && codes.Contains(a.Code) && panels.Contains(a.PanelId));
        }

        return ReadAssessmentsAsync(members.OrderBy(a => a.PanelId).ThenBy(a => a.AssessmentId), ct);
    }

    public IAsyncEnumerable<AssessmentRecord> AssessmentsWithCodeAsync(string code, CancellationToken ct) =>
        ReadAssessmentsAsync(Assessments().Where(a => a.Code == code).OrderBy(a => a.AssessmentId), ct);

    public async Task<RecordCounts> CountAsync(IReadOnlyCollection<string> panelCodes, IReadOnlyCollection<string> derivedFromCodes, CancellationToken ct) => new(
        await Patients().LongCountAsync(ct),
        await Treatments().LongCountAsync(ct),
        await Assessments().LongCountAsync(ct),
        await Assessments().Where(a => a.PanelId != null && panelCodes.Contains(a.Code)).Select(a => a.PanelId).Distinct().LongCountAsync(ct),
        await Assessments().Where(a => derivedFromCodes.Contains(a.Code)).LongCountAsync(ct));

    public async Task<IReadOnlyDictionary<string, ClinicDate?>> OnsetsAsync(CancellationToken ct)
    {
        var patients = scope.RecordIds is { } records && scope.PatientIds is null
            ? db.Patients.AsNoTracking().Where(p => db.Assessments.Any(a => records.Contains(a.AssessmentId) && a.PatientId == p.PatientId)
                || db.Treatments.Any(t => records.Contains(t.TreatmentId) && t.PatientId == p.PatientId))
            : Patients();
        return await patients.Select(p => new { p.PatientId, p.OnsetDate }).ToDictionaryAsync(p => p.PatientId, p => p.OnsetDate, StringComparer.Ordinal, ct);
    }

    /// <summary>
    /// Assessments (most of an export's rows, read up to three times a sync: observations, panels, derived measures)
    /// are read raw from the SQL EF generates, which costs about a third less than EF's materialization of the rows.
    /// </summary>
    private IAsyncEnumerable<AssessmentRecord> ReadAssessmentsAsync(IQueryable<AssessmentRecord> query, CancellationToken ct) =>
        query.ReadAsync(db, RecordRows.Assessments(db), ct);

    /// <summary>The patient ids in scope, or null when every patient is.</summary>
    private IQueryable<string>? PatientIdsInScope()
    {
        if (!scope.ConsentingOnly && !scope.NonConsentingOnly && scope.PatientIds is null)
        {
            return null;
        }

        var patients = db.Patients.AsNoTracking();
        if (scope.ConsentingOnly)
        {
            patients = patients.Where(p => p.RegistryConsent);
        }

        if (scope.NonConsentingOnly)
        {
            patients = patients.Where(p => !p.RegistryConsent);
        }

        if (scope.PatientIds is { } ids)
        {
            patients = patients.Where(p => ids.Contains(p.PatientId));
        }

        return patients.Select(p => p.PatientId);
    }

    private IQueryable<PatientRecord> Patients()
    {
        if (scope.RecordIds is not null && scope.PatientIds is null)
        {
            return db.Patients.AsNoTracking().Where(_ => false);
        }

        var inScope = PatientIdsInScope();
        return inScope is null ? db.Patients.AsNoTracking() : db.Patients.AsNoTracking().Where(p => inScope.Contains(p.PatientId));
    }

    private IQueryable<TreatmentRecord> Treatments()
    {
        var inScope = PatientIdsInScope();
        var treatments = inScope is null ? db.Treatments.AsNoTracking() : db.Treatments.AsNoTracking().Where(t => inScope.Contains(t.PatientId));
        return scope.RecordIds is { } records && scope.PatientIds is null ? treatments.Where(t => records.Contains(t.TreatmentId)) : treatments;
    }

    /// <summary>The assessments of the patients in scope, whatever single records were asked for.</summary>
    private IQueryable<AssessmentRecord> Everyone()
    {
        var inScope = PatientIdsInScope();
        return inScope is null ? db.Assessments.AsNoTracking() : db.Assessments.AsNoTracking().Where(a => inScope.Contains(a.PatientId));
    }

    private IQueryable<AssessmentRecord> Assessments()
    {
        var inScope = PatientIdsInScope();
        var assessments = inScope is null ? db.Assessments.AsNoTracking() : db.Assessments.AsNoTracking().Where(a => inScope.Contains(a.PatientId));
        return scope.RecordIds is { } records && scope.PatientIds is null ? assessments.Where(a => records.Contains(a.AssessmentId)) : assessments;
    }
}

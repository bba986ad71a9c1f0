namespace MndFhir.Service.Pages;

/// <summary>What the patient page shows: who (as the Patient resource has it), the measures over time and the sessions.</summary>
public sealed record PatientTrajectory(
    string PatientId,
    string? Name,
    string Diagnosis,
    string? Onset,
    bool Active,
    IReadOnlyList<string> Scope,
    IReadOnlyList<TrajectoryPoint> Points,
    IReadOnlyList<TreatmentSession> Sessions)
{
    /// <summary>The first stem-cell transplant session (intrathecal, intravenous or local), retracted ones aside.</summary>
    public TreatmentSession? FirstTransplant => Sessions.Where(s => s.IsTransplant && !s.Retracted).MinBy(s => s.At);

    public IEnumerable<TrajectoryPoint> Series(string code) => Points.Where(p => p.Code == code);
}

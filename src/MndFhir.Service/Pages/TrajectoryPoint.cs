namespace MndFhir.Service.Pages;

/// <summary>
/// One measured value as a sync would send it (the mapped Observation): when, how much, which series, and the notes a
/// reader needs (retracted; not yet delivered to a destination).
/// </summary>
public sealed record TrajectoryPoint(string Code, string Series, DateTimeOffset At, string Date, double Value, string? Unit, string RecordId, bool Retracted, IReadOnlyList<string> Notes)
{
    /// <summary>Not retracted: counted in fits and slopes.</summary>
    public bool Counts => !Retracted;
}

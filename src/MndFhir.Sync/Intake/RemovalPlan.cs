namespace MndFhir.Sync.Intake;

/// <summary>The stored records gone from a file (up to the guard's limit), how many in all, of how many, and whether the guard refuses.</summary>
internal sealed record RemovalPlan(List<string> Gone, int GoneCount, int StoredCount, bool Refused);

namespace MndFhir.Intake;

/// <summary>
/// A row that breaks the intake contract: where (file, line, column), which rule, and a message that names the
/// offending value only where it is not PHI. The raw row is kept for the quarantine (database only, never logs).
/// </summary>
public sealed record RowRejection(
    string File,
    long Line,
    string? Column,
    string Rule,
    string Message,
    string? RecordId,
    IReadOnlyDictionary<string, string> Row)
{
    public override string ToString() => $"{File}:{Line} column {Column ?? "-"}: {Rule}: {Message}";
}

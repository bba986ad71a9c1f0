namespace MndFhir.Intake;

/// <summary>
/// One data row of an export file: either a valid record or the rejection of the row. The last item of a file that
/// broke a file rule carries the <see cref="FileProblem"/> instead, and nothing of that file may be kept.
/// </summary>
public sealed record ParsedRow<T>(long Line, T? Record, RowRejection? Rejection)
    where T : class
{
    public FileProblem? FileProblem { get; init; }
}

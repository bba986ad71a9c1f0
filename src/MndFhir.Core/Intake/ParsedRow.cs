namespace MndFhir.Intake;

/// <summary>One data row of an export file: either a valid record or the rejection of the row.</summary>
public sealed record ParsedRow<T>(long Line, T? Record, RowRejection? Rejection)
    where T : class;

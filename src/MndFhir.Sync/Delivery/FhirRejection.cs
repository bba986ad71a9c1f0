namespace MndFhir.Sync.Delivery;

/// <summary>
/// A FHIR server refused content (400, 409, 412, 422...): its final word on these resources, with the HTTP status and
/// its OperationOutcome (or the body it gave), not a fault of the connection.
/// </summary>
public sealed record FhirRejection(int Status, string? OperationOutcome)
{
    /// <summary>The server's reason in one line: see <see cref="OperationOutcomeReason"/>.</summary>
    public string Reason => OperationOutcomeReason.Of(OperationOutcome) ?? $"HTTP {Status} without an OperationOutcome";

    /// <summary>What is kept with a dead letter: the OperationOutcome, or one made of the status and the body.</summary>
    public string Error => OperationOutcome ?? $"HTTP {Status}";
}

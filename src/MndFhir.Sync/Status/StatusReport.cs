namespace MndFhir.Sync.Status;

/// <summary>What `mndfhir status --json` and <c>GET /api/status</c> answer: the intake, and each destination.</summary>
public sealed record StatusReport(IntakeStatus Intake, IReadOnlyList<DestinationStatus> Destinations);

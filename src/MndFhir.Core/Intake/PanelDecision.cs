using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>A panel row the check has decided: to be stored (no rejection) or quarantined.</summary>
public sealed record PanelDecision(AssessmentRecord Record, long Line, RowRejection? Rejection);

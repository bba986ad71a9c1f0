namespace MndFhir.Intake;

/// <summary>
/// A panel item imported before and still in force (not retracted, not removed), as stored: what a total whose items
/// are not all in this file is summed with (<see cref="PanelConsistencyCheck.Finish(IEnumerable{StoredPanelItem}?)"/>).
/// </summary>
public sealed record StoredPanelItem(string PanelId, string Code, string AssessmentId, string? Value);

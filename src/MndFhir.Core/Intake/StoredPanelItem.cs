namespace MndFhir.Intake;

/// <summary>
/// A panel item (or total) imported before and still in force (not retracted, not removed), as stored: what a total
/// whose items are not all in this file is summed with, and what items of a panel with a total imported before are
/// checked against (<see cref="PanelConsistencyCheck.Finish(IEnumerable{StoredPanelItem}?, bool)"/>).
/// </summary>
/// <param name="ContentHash">The stored content's hash: a row of this file with the same one changes nothing.</param>
public sealed record StoredPanelItem(string PanelId, string Code, string AssessmentId, string? Value, string? ContentHash = null);

namespace MndFhir.Sync.Quarantine;

/// <summary>
/// What a dismissal did, by entry id in the order asked: dismissed now, resolved before (left as they were), unknown
/// (when any is, nothing was dismissed).
/// </summary>
public sealed record QuarantineDismissalResult(IReadOnlyList<long> Dismissed, IReadOnlyList<long> AlreadyResolved, IReadOnlyList<long> Unknown);

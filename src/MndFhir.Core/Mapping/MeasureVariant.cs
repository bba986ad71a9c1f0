namespace MndFhir.Mapping;

/// <summary>
/// Codings that replace a measure's standard codings when a row matches: for example ALSFRS-R item 5b when
/// <c>note</c> is <c>5b</c>, or the left- and right-hand grip codes by <c>body_site</c>.
/// </summary>
public sealed record MeasureVariant(IReadOnlyDictionary<string, string> When, IReadOnlyList<CodingSpec> Coding);

namespace MndFhir.Mapping;

/// <summary>One allowed answer of an ordinal measure: the value the clinic writes and the coding it becomes.</summary>
public sealed record OrdinalAnswer(string Value, CodingSpec Coding);

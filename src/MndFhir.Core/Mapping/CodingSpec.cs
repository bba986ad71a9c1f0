namespace MndFhir.Mapping;

/// <summary>A coding as a mapping file states it: system URI (aliases resolved at load), code and display.</summary>
public sealed record CodingSpec(string System, string Code, string? Display);

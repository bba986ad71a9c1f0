namespace MndFhir.Mapping;

/// <summary>How one clinic measure code becomes an Observation.</summary>
public sealed record MeasureMapping
{
    public required string Code { get; init; }

    public required string Display { get; init; }

    /// <summary>Observation category code from <c>http://terminology.hl7.org/CodeSystem/observation-category</c>.</summary>
    public required string Category { get; init; }

    /// <summary>Standard codings (LOINC, SNOMED CT) verified in terminology.md; empty when only the clinic code applies.</summary>
    public IReadOnlyList<CodingSpec> Coding { get; init; } = [];

    public IReadOnlyList<MeasureVariant> Variants { get; init; } = [];

    public required ValueSpec Value { get; init; }

    public BodySiteRule BodySite { get; init; } = BodySiteRule.None;

    /// <summary>The panel this measure belongs to, when it is an item or total of a questionnaire.</summary>
    public string? Panel { get; init; }

    /// <summary>Where this mapping was read from (file:line), for explanations and errors.</summary>
    public string Source { get; init; } = string.Empty;
}

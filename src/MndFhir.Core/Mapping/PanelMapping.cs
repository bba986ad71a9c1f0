namespace MndFhir.Mapping;

/// <summary>A questionnaire whose items and total share a <c>panel_id</c> (the ALSFRS-R).</summary>
public sealed record PanelMapping
{
    public required string Code { get; init; }

    public required string Display { get; init; }

    public IReadOnlyList<CodingSpec> Coding { get; init; } = [];

    /// <summary>The item measure codes, in order.</summary>
    public IReadOnlyList<string> Items { get; init; } = [];

    /// <summary>The measure code of the total, which must equal the sum of the items when all are present.</summary>
    public string? Total { get; init; }

    public string Source { get; init; } = string.Empty;
}

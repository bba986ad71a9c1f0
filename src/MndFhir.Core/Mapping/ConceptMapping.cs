namespace MndFhir.Mapping;

/// <summary>A clinic vocabulary code (diagnosis, body site, onset region, cell type) and the codings it becomes.</summary>
public sealed record ConceptMapping
{
    public required string Code { get; init; }

    public required string Display { get; init; }

    /// <summary>Standard codings; the clinic's own coding is always added by the mapper.</summary>
    public IReadOnlyList<CodingSpec> Coding { get; init; } = [];

    /// <summary>For body sites: <c>left</c> or <c>right</c>, when the site has a side.</summary>
    public string? Laterality { get; init; }

    public string Source { get; init; } = string.Empty;
}

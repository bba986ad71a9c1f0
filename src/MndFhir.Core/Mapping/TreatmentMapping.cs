namespace MndFhir.Mapping;

/// <summary>How one clinic treatment code becomes a Procedure.</summary>
public sealed record TreatmentMapping
{
    public required string Code { get; init; }

    public required string Display { get; init; }

    public IReadOnlyList<CodingSpec> Coding { get; init; } = [];

    /// <summary>Route of administration (SNOMED CT qualifier), carried in the procedure-route extension.</summary>
    public CodingSpec? Route { get; init; }

    /// <summary>Stem-cell treatments require cell_type and cell_source.</summary>
    public bool RequiresCellProduct { get; init; }

    /// <summary>Body site assumed when the row names none (lumbar for intrathecal injection).</summary>
    public string? DefaultBodySite { get; init; }

    /// <summary>Id of the project profile (mappings/profiles) the Procedure claims in meta.profile, if any.</summary>
    public string? Profile { get; init; }

    public string Source { get; init; } = string.Empty;
}

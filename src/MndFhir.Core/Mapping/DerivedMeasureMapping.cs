namespace MndFhir.Mapping;

/// <summary>
/// A measure the clinic does not record but MndFhir derives from one it does, e.g. the ALSFRS-R progression rate
/// (ΔFS) from the ALSFRS-R total. One derived Observation per source row, with derivedFrom pointing at the source.
/// </summary>
public sealed record DerivedMeasureMapping
{
    /// <summary>The one formula there is: (max − source value) / months from symptom onset to the source's date.</summary>
    public const string ProgressionRate = "progression-rate";

    public required string Code { get; init; }

    public required string Display { get; init; }

    public required string Category { get; init; }

    public IReadOnlyList<CodingSpec> Coding { get; init; } = [];

    /// <summary>The formula's name (<see cref="ProgressionRate"/>).</summary>
    public required string Formula { get; init; }

    /// <summary>The measure code of the source rows.</summary>
    public required string From { get; init; }

    /// <summary>The best possible score of the source (48 for the ALSFRS-R total).</summary>
    public required decimal Max { get; init; }

    /// <summary>UCUM unit of the value.</summary>
    public required string Unit { get; init; }

    public string Source { get; init; } = string.Empty;
}

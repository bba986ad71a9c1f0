namespace MndFhir.Mapping;

/// <summary>The value rules of one measure: kind, canonical unit, accepted clinic units with their factors, range.</summary>
public sealed record ValueSpec
{
    public required ValueKind Kind { get; init; }

    /// <summary>Canonical UCUM unit code (<c>L</c>, <c>kg</c>, <c>{score}</c>, ...); null for ordinal and boolean values.</summary>
    public string? Unit { get; init; }

    /// <summary>Clinic unit as written (case-sensitive) to the factor that converts it to <see cref="Unit"/>.</summary>
    public IReadOnlyDictionary<string, decimal> AcceptedUnits { get; init; } = new Dictionary<string, decimal>();

    /// <summary>Whether a row may leave the unit empty (the canonical unit is then assumed).</summary>
    public bool UnitOptional { get; init; }

    public decimal? Min { get; init; }

    public decimal? Max { get; init; }

    /// <summary>Decimal places kept after conversion; null keeps the clinic's own precision.</summary>
    public int? Decimals { get; init; }

    public IReadOnlyList<OrdinalAnswer> Answers { get; init; } = [];
}

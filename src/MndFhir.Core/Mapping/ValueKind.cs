namespace MndFhir.Mapping;

/// <summary>How a measure's value is written in FHIR.</summary>
public enum ValueKind
{
    /// <summary>A number with a UCUM unit (<c>valueQuantity</c>); clinic units are converted to the canonical unit.</summary>
    Quantity,

    /// <summary>A score: an integer with the UCUM unit <c>{score}</c> (<c>valueQuantity</c>).</summary>
    Score,

    /// <summary>One of a list of coded answers, such as the Modified Ashworth grades (<c>valueCodeableConcept</c>).</summary>
    Ordinal,

    /// <summary><c>yes</c> or <c>no</c> (<c>valueBoolean</c>).</summary>
    Boolean,
}

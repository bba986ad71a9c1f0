namespace MndFhir.Mapping;

/// <summary>Whether a row of a measure or treatment must, may, or must not name a body site.</summary>
public enum BodySiteRule
{
    None,
    Optional,
    Required,
}

namespace MndFhir.Mapping;

/// <summary>Ids of the project's own profiles (StructureDefinitions in mappings/profiles) that the mappers claim.</summary>
public static class ProjectProfiles
{
    /// <summary>Every Observation the mapper produces: a measurement, or a questionnaire panel.</summary>
    public const string OutcomeObservation = "mnd-outcome-observation";

    /// <summary>The cells given in a stem-cell Procedure (a contained BiologicallyDerivedProduct).</summary>
    public const string CellProduct = "mnd-cell-product";
}

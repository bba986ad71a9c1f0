namespace MndFhir.Mapping;

/// <summary>
/// All mapping rules, loaded once from <c>mappings/</c> and immutable afterwards. The mapper and the intake
/// validator both read from it, so a measure's units and range are stated in exactly one place.
/// </summary>
public sealed class MappingSet
{
    public required string CanonicalBase { get; init; }

    /// <summary>Alias (loinc, snomed, ...) to code system URI, as declared in settings.yaml.</summary>
    public required IReadOnlyDictionary<string, string> Systems { get; init; }

    public required IReadOnlyDictionary<string, MeasureMapping> Measures { get; init; }

    public required IReadOnlyDictionary<string, PanelMapping> Panels { get; init; }

    /// <summary>Item and total measure codes to the panel they belong to (ALSFRSR_03 to ALSFRSR).</summary>
    public required IReadOnlyDictionary<string, PanelMapping> PanelOfMeasure { get; init; }

    /// <summary>Measures MndFhir derives from recorded ones (ALSFRS-R progression rate).</summary>
    public required IReadOnlyDictionary<string, DerivedMeasureMapping> Derived { get; init; }

    public required IReadOnlyDictionary<string, TreatmentMapping> Treatments { get; init; }

    public required IReadOnlyDictionary<string, ConceptMapping> Diagnoses { get; init; }

    public required IReadOnlyDictionary<string, ConceptMapping> BodySites { get; init; }

    public required IReadOnlyDictionary<string, ConceptMapping> OnsetRegions { get; init; }

    public required IReadOnlyDictionary<string, ConceptMapping> CellTypes { get; init; }

    /// <summary>SHA-256 over the mapping files; changes whenever any rule changes.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The derived measures made from rows of <paramref name="measureCode"/> (ΔFS from ALSFRSR_TOTAL).</summary>
    public IEnumerable<DerivedMeasureMapping> DerivedFrom(string measureCode) => Derived.Values.Where(d => d.From == measureCode);

    /// <summary>The URI of one of the clinic's own CodeSystems (see <see cref="ClinicCodeSystems"/>).</summary>
    public string ClinicSystem(string name) => $"{CanonicalBase}/CodeSystem/{name}";

    /// <summary>The URI of one of the project's extensions.</summary>
    public string Extension(string name) => $"{CanonicalBase}/StructureDefinition/{name}";

    /// <summary>The canonical URL of one of the project's profiles (mappings/profiles/{name}.json).</summary>
    public string Profile(string name) => $"{CanonicalBase}/StructureDefinition/{name}";
}

using Hl7.Fhir.Model;

namespace MndFhir.Mapping;

/// <summary>Builds FHIR codings and concepts from mapping rules, always keeping the clinic's own code.</summary>
internal static class CodingFactory
{
    public static Coding Coding(CodingSpec spec) => new(spec.System, spec.Code, spec.Display);

    /// <summary>Standard codings first, then the clinic's own coding (terminology.md rule 2), with a readable text.</summary>
    public static CodeableConcept Concept(IEnumerable<CodingSpec> standard, string clinicSystem, string clinicCode, string display)
    {
        var concept = new CodeableConcept { Text = display };
        concept.Coding.AddRange(standard.Select(Coding));
        concept.Coding.Add(new Coding(clinicSystem, clinicCode, display));
        return concept;
    }

    public static CodeableConcept Concept(ConceptMapping mapping, string clinicSystem) =>
        Concept(mapping.Coding, clinicSystem, mapping.Code, mapping.Display);
}

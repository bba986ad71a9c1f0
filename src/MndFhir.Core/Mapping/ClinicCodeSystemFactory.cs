using Hl7.Fhir.Model;

namespace MndFhir.Mapping;

/// <summary>
/// The clinic's own CodeSystems as FHIR resources, made from the mapping rules so they can never disagree with what is
/// sent. Published in <c>mappings/codesystems/</c> (<c>mndfhir mappings codesystems</c>) for registries to validate against.
/// </summary>
public static class ClinicCodeSystemFactory
{
    public static IReadOnlyList<CodeSystem> Create(MappingSet rules) =>
    [
        Make(rules, ClinicCodeSystems.Measure, "Clinic measures", "Outcome measures the clinic records (clinic-export-format.md). Used as Observation.code beside any verified LOINC or SNOMED CT code, alone where none is verified.",
            rules.Measures.Values.Select(m => (m.Code, m.Display))
                .Concat(rules.Panels.Values.Select(p => (p.Code, p.Display)))
                .Concat(rules.Derived.Values.Select(d => (d.Code, d.Display)))),
        Make(rules, ClinicCodeSystems.Treatment, "Clinic treatments", "Treatments the clinic gives. Used as Procedure.code beside any verified SNOMED CT code.",
            rules.Treatments.Values.Select(t => (t.Code, t.Display))),
        Make(rules, ClinicCodeSystems.BodySite, "Clinic body sites", "Body sites of grip, spasticity, range of motion and injections; the code names the side where there is one.",
            rules.BodySites.Values.Select(b => (b.Code, b.Display))),
        Make(rules, ClinicCodeSystems.Diagnosis, "Clinic MND diagnoses", "The clinic's motor neuron disease diagnoses, sent beside SNOMED CT and ICD-10-CM.",
            rules.Diagnoses.Values.Select(d => (d.Code, d.Display))),
        Make(rules, ClinicCodeSystems.OnsetRegion, "MND onset regions", "Region of first symptoms (extension condition-onset-region).",
            rules.OnsetRegions.Values.Select(o => (o.Code, o.Display))),
        Make(rules, ClinicCodeSystems.CellType, "Cell types", "Cell products of stem-cell treatments.",
            rules.CellTypes.Values.Select(c => (c.Code, c.Display))),
        Make(rules, ClinicCodeSystems.CellSource, "Cell sources", "Whether the cells given were the patient's own (autologous) or a donor's (allogeneic); extension cell-source.",
            [("autologous", "Autologous (the patient's own cells)"), ("allogeneic", "Allogeneic (donor cells)")]),
        Make(rules, "clinic-answer", "Clinic answer codes", "Coded answers of ordinal scales (Modified Ashworth Scale grades).",
            rules.Measures.Values.SelectMany(m => m.Value.Answers)
                .Where(a => a.Coding.System == rules.ClinicSystem("clinic-answer"))
                .Select(a => (a.Coding.Code, a.Coding.Display ?? a.Value))),
    ];

    private static CodeSystem Make(MappingSet rules, string name, string title, string description, IEnumerable<(string Code, string Display)> concepts)
    {
        var system = new CodeSystem
        {
            Id = name,
            Url = rules.ClinicSystem(name),
            Name = string.Concat(name.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..])),
            Title = title,
            Status = PublicationStatus.Active,
            Experimental = false,
            Publisher = "MndFhir",
            Description = new Markdown(description),
            CaseSensitive = true,
            Content = CodeSystemContentMode.Complete,
        };
        foreach (var (code, display) in concepts.DistinctBy(c => c.Code).OrderBy(c => c.Code, StringComparer.Ordinal))
        {
            system.Concept.Add(new CodeSystem.ConceptDefinitionComponent { Code = code, Display = display });
        }

        system.Count = system.Concept.Count;
        return system;
    }
}

using MndFhir.Mapping;

namespace MndFhir.Intake;

/// <summary>
/// What row checks need beyond the row: the mapping rules (codes, units, ranges) and which patients and treatments
/// exist. The importer answers those from the database plus the rows accepted earlier in the same import (patients are
/// read before treatments, treatments before assessments).
/// </summary>
public sealed class IntakeContext(MappingSet rules, Func<string, bool> patientExists, Func<string, bool> treatmentExists)
{
    public MappingSet Rules { get; } = rules;

    public Func<string, bool> PatientExists { get; } = patientExists;

    public Func<string, bool> TreatmentExists { get; } = treatmentExists;

    public List<IntakeWarning> Warnings { get; } = [];
}

namespace MndFhir.Intake;

/// <summary>The three files of a clinic export, imported in this order (each may refer to the ones before).</summary>
public enum ClinicFile
{
    Patients,
    Treatments,
    Assessments,
}

namespace MndFhir.Records;

/// <summary>One row of <c>patients.csv</c>. Names, birth date and MRN are PHI: never log them.</summary>
public sealed class PatientRecord : ClinicRecord
{
    public string PatientId { get; set; } = string.Empty;

    public override string RecordId => PatientId;

    public string? HospitalMrn { get; set; }

    public string? FamilyName { get; set; }

    public string? GivenName { get; set; }

    public Sex Sex { get; set; }

    public ClinicDate BirthDate { get; set; }

    public Diagnosis Diagnosis { get; set; }

    public ClinicDate? OnsetDate { get; set; }

    public OnsetRegion? OnsetRegion { get; set; }

    public ClinicDate? DiagnosisDate { get; set; }

    public bool RegistryConsent { get; set; }

    public ClinicDate? DeceasedDate { get; set; }
}

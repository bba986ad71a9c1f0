namespace MndFhir.Records;

/// <summary>One row of <c>assessments.csv</c>: one measured value. Note is free text (PHI).</summary>
public sealed class AssessmentRecord : ClinicRecord
{
    public string AssessmentId { get; set; } = string.Empty;

    public override string RecordId => AssessmentId;

    public string PatientId { get; set; } = string.Empty;

    /// <summary>Clinic measure code (ALSFRSR_TOTAL, FVC, ...), defined in <c>mappings/</c>.</summary>
    public string Code { get; set; } = string.Empty;

    /// <summary>The value as the clinic wrote it (a number, an ordinal such as <c>1+</c>, or yes/no); null only when voided.</summary>
    public string? Value { get; set; }

    /// <summary>The unit as the clinic wrote it (L, ml, kg, lb, ...); the mapping converts to UCUM.</summary>
    public string? Unit { get; set; }

    public ClinicDate Effective { get; set; }

    public string? PanelId { get; set; }

    public string? BodySite { get; set; }

    public string? TreatmentId { get; set; }

    public AssessmentStatus Status { get; set; } = AssessmentStatus.Final;

    public string? Note { get; set; }
}

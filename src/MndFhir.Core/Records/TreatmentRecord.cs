namespace MndFhir.Records;

/// <summary>One row of <c>treatments.csv</c>: one treatment episode. Complication and note are free text (PHI).</summary>
public sealed class TreatmentRecord : ClinicRecord
{
    public string TreatmentId { get; set; } = string.Empty;

    public override string RecordId => TreatmentId;

    public string PatientId { get; set; } = string.Empty;

    /// <summary>Clinic treatment code (BM_HARVEST, SC_INTRATHECAL, ...), defined in <c>mappings/</c>.</summary>
    public string Code { get; set; } = string.Empty;

    public TreatmentStatus Status { get; set; } = TreatmentStatus.Completed;

    public ClinicDate PerformedStart { get; set; }

    public ClinicDate? PerformedEnd { get; set; }

    /// <summary>Clinic cell type code: BM-MNC, BM-MSC or NSC.</summary>
    public string? CellType { get; set; }

    public CellSource? CellSource { get; set; }

    public double? CellCount { get; set; }

    /// <summary>Clinic body-site code (hand-left, lumbar, ...).</summary>
    public string? BodySite { get; set; }

    /// <summary>Session n of a planned course (<c>cycle</c> = n/N).</summary>
    public int? CycleNumber { get; set; }

    /// <summary>Planned number of sessions N of the course.</summary>
    public int? CycleTotal { get; set; }

    /// <summary>Clinician's staff number (never a name).</summary>
    public string? Performer { get; set; }

    public string? Complication { get; set; }

    public string? Note { get; set; }
}

namespace MndFhir.Records;

/// <summary>What every record taken from the clinic carries: a stable clinic id and import bookkeeping.</summary>
public abstract class ClinicRecord
{
    /// <summary>The clinic's own stable id of the row (patient_id, treatment_id, assessment_id).</summary>
    public abstract string RecordId { get; }

    /// <summary>SHA-256 over the clinical content of the row; equal hashes mean nothing changed.</summary>
    public string ContentHash { get; set; } = string.Empty;

    public DateTimeOffset FirstImportedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// When a complete export no longer had this row. Its FHIR resources become entered-in-error (Patient: inactive);
    /// the record comes back if a later export has the row again.
    /// </summary>
    public DateTimeOffset? RemovedFromExportAt { get; set; }

    public bool IsRemoved => RemovedFromExportAt is not null;
}

using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>
/// What row checks need beyond the row: the mapping rules (codes, units, ranges), today's date (no date may lie after
/// tomorrow), and which patients (with their birth dates) and treatments exist. The importer answers those from the
/// database plus the rows accepted earlier in the same import (patients are read before treatments, treatments
/// before assessments). Core has no clock: the caller says what day it is.
/// </summary>
public sealed class IntakeContext(MappingSet rules, DateOnly today, Func<string, ClinicDate?> birthDateOf, Func<string, bool> treatmentExists)
{
    /// <summary>The earliest date the contract allows.</summary>
    public static readonly DateTimeOffset Earliest = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public MappingSet Rules { get; } = rules;

    /// <summary>The end of tomorrow (UTC): the latest instant a date may start at, whatever the clinic's time zone.</summary>
    public DateTimeOffset Latest { get; } = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(2).AddTicks(-1);

    /// <summary>The birth date of a known patient; null when the patient is not known.</summary>
    public Func<string, ClinicDate?> BirthDateOf { get; } = birthDateOf;

    public Func<string, bool> TreatmentExists { get; } = treatmentExists;

    /// <summary>
    /// The patient a known treatment belongs to (null when it is not known): an assessment may only name a treatment of its
    /// own patient. Unset, the treatment's patient is not checked (contexts without treatments, e.g. mapping coverage).
    /// </summary>
    public Func<string, string?>? PatientOfTreatment { get; init; }

    /// <summary>
    /// The patient whose rows hold a panel_id (null when no row holds it yet): a panel is one administration of one
    /// patient, the first patient met keeps it. Unset, panels are not checked.
    /// </summary>
    public Func<string, string?>? PatientOfPanel { get; init; }

    /// <summary>Set when this import rejected patients.csv as a whole: unknown patients are then explained by it.</summary>
    public bool PatientsFileRejected { get; set; }

    public List<IntakeWarning> Warnings { get; } = [];

    /// <summary>
    /// How many warnings of one kind that can come on every row (a panel_id on a measure of no panel: an EMR that writes
    /// a visit id there) or every column of a header (an unknown column) are kept one by one; the rest are counted in
    /// one line, so a million rows (or columns) do not hold a million warnings in memory (the import prints the first 20).
    /// </summary>
    public const int WarnedOneByOne = 100;

    /// <summary>Rows of measures of no panel that carry a panel_id, read so far.</summary>
    public int UnusedPanelIds { get; set; }
}

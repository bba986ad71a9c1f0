namespace MndFhir.Mapping;

/// <summary>Names of the clinic's own CodeSystems, under <c>{canonicalBase}/CodeSystem/</c>.</summary>
public static class ClinicCodeSystems
{
    public const string Measure = "clinic-measure";
    public const string Treatment = "clinic-treatment";
    public const string BodySite = "clinic-body-site";
    public const string Diagnosis = "clinic-diagnosis";
    public const string OnsetRegion = "clinic-onset-region";
    public const string CellType = "clinic-cell-type";
    public const string CellSource = "clinic-cell-source";
}

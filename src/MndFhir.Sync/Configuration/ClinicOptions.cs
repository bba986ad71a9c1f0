using System.ComponentModel.DataAnnotations;

namespace MndFhir.Sync.Configuration;

/// <summary>Section <c>Clinic</c>: who the records belong to and where the mapping rules and exports are.</summary>
public sealed class ClinicOptions
{
    public const string Section = "Clinic";

    /// <summary>The samples' identifier base: fine for trying MndFhir out, never for a real server.</summary>
    public const string ExampleIdentifierSystem = "https://mndfhir.example.org/fhir/sid/demo-clinic";

    /// <summary>Base of the business identifier systems: <c>{IdentifierSystem}/observation|A-123</c>. Never change it once data was sent.</summary>
    [Required]
    [Url]
    public string IdentifierSystem { get; set; } = ExampleIdentifierSystem;

    /// <summary>The mappings folder (relative paths are taken from the configuration file's folder).</summary>
    [Required]
    public string MappingsPath { get; set; } = "mappings";

    /// <summary>The folder holding patients.csv, treatments.csv and assessments.csv.</summary>
    public string? ExportPath { get; set; }

    /// <summary>
    /// When the service looks for a new export (Hangfire cron, UTC); empty = only `mndfhir run`, `import` or the API.
    /// A new complete export is imported once, then every destination is synced.
    /// </summary>
    public string? ImportSchedule { get; set; } = "*/5 * * * *";

    /// <summary>The file the clinic writes last, when the three files are complete; with it an export is imported at once.</summary>
    [Required]
    [RegularExpression(@"^[^/\\]+$", ErrorMessage = "ExportReadyMarker is a file name inside the export folder, not a path.")]
    public string ExportReadyMarker { get; set; } = "export.ready";

    /// <summary>Without the marker, an export counts as complete once none of its files changed for this long.</summary>
    [Range(0, 86_400)]
    public int ExportQuietSeconds { get; set; } = 120;
}

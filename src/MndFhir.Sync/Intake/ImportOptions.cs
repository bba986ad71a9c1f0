namespace MndFhir.Sync.Intake;

/// <summary>How one import runs.</summary>
public sealed record ImportOptions
{
    public static readonly ImportOptions Default = new();

    /// <summary>Mark records removed even when so many are gone that the export looks partial (normally refused).</summary>
    public bool AllowRemovals { get; init; }

    /// <summary>
    /// The fingerprint of the export as the caller found it new (<see cref="ExportWatch"/>): checked again once the
    /// import holds its lease, so two occurrences of the main job that both found it new do not both import it.
    /// </summary>
    public string? UnlessImported { get; init; }

    /// <summary>manual, scheduled or api: recorded with the import run.</summary>
    public string Trigger { get; init; } = "manual";
}

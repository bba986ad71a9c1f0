namespace MndFhir.Sync.Intake;

/// <summary>Whether the export folder holds a new complete export, and if not, why not (one line, for the log and the API).</summary>
public sealed record ExportReadiness(bool Ready, string? Fingerprint, string Reason)
{
    public static ExportReadiness NotReady(string reason) => new(false, null, reason);
}

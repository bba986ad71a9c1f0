namespace MndFhir.Data;

/// <summary>
/// A destination's pending and failed counts as they stood when the sync or status last computed them, with the key of
/// everything they depend on (records, ledger, mappings, the destination's settings). Status reads it while the key
/// holds and computes afresh when it does not, so it never shows a figure that has drifted.
/// </summary>
public sealed class StatusSnapshot
{
    public string Destination { get; set; } = string.Empty;

    public string Key { get; set; } = string.Empty;

    public int Pending { get; set; }

    public int Failed { get; set; }

    public DateTimeOffset ComputedAt { get; set; }
}

namespace MndFhir.Data;

/// <summary>Who is syncing a destination right now, and until when the claim holds without renewal.</summary>
public sealed class DestinationLease
{
    public string Destination { get; set; } = string.Empty;

    public string Holder { get; set; } = string.Empty;

    public DateTimeOffset ExpiresAt { get; set; }
}

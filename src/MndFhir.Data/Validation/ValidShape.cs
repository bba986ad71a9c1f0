namespace MndFhir.Data;

/// <summary>A resource shape the full validator found valid, under one validation environment (the key includes it).</summary>
public sealed class ValidShape
{
    public string Key { get; set; } = string.Empty;

    public DateTimeOffset FirstSeenAt { get; set; }
}

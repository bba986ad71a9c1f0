namespace MndFhir.Sync.Configuration;

/// <summary>Section <c>Destinations</c>: every place the clinic's records are kept in sync with.</summary>
public sealed class SyncSettings
{
    public const string Section = "Destinations";

    public List<DestinationOptions> Destinations { get; set; } = [];

    public DestinationOptions Find(string name) =>
        Destinations.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ConfigurationException(Destinations.Count == 0
            ? $"No destination named '{name}' is configured: the configuration has no Destinations."
            : $"No destination named '{name}' is configured (configured: {string.Join(", ", Destinations.Select(d => d.Name))}).");
}

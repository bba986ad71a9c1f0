using MndFhir.Service.Scheduling;

namespace MndFhir.Service.Configuration;

/// <summary>The configuration sections the service owns, checked with the sync's by ConfigurationCheck.</summary>
public static class ServiceConfiguration
{
    public static IReadOnlyDictionary<string, Type> Sections { get; } = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase)
    {
        [HangfireOptions.Section] = typeof(HangfireOptions),
        [ServiceOptions.Section] = typeof(ServiceOptions),
    };
}

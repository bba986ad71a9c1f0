using Serilog.Core;
using Serilog.Events;

namespace MndFhir.Service.Pages;

/// <summary>
/// Keeps the patient pages out of the logs: ASP.NET Core puts the request path (with the patient id) on every event
/// logged during a request; for /patients requests this enricher replaces it with "/patients/…". The service logs no
/// request lines at all (Microsoft events below Warning are not written).
/// </summary>
public sealed class PatientPathRedaction : ILogEventEnricher
{
    private static readonly string[] PathProperties = ["RequestPath", "Path"];

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        foreach (var name in PathProperties)
        {
            if (logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: string path }
                && path.StartsWith("/patients", StringComparison.OrdinalIgnoreCase))
            {
                logEvent.AddOrUpdateProperty(propertyFactory.CreateProperty(name, "/patients/…"));
            }
        }
    }
}

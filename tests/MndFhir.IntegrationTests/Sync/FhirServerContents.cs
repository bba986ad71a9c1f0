using Hl7.Fhir.Model;
using MndFhir.Serialization;

namespace MndFhir.IntegrationTests.Sync;

/// <summary>Reads what a FHIR server holds, page by page, through its plain search API.</summary>
internal static class FhirServerContents
{
    public static async Task<List<T>> AllAsync<T>(HttpClient http, Uri baseUrl, string identifierSystem, CancellationToken ct)
        where T : Resource, new()
    {
        var type = new T().TypeName;
        var resources = new List<T>();
        var next = new Uri(baseUrl, $"{type}?_count=1000");
        while (next is not null)
        {
            var json = await http.GetStringAsync(next, ct);
            var page = FhirJson.Deserialize<Bundle>(json);
            resources.AddRange(page.Entry.Select(e => e.Resource).OfType<T>());
            next = page.Link.FirstOrDefault(l => l.Relation == "next")?.Url is { } url ? new Uri(url) : null;
        }

        return resources.Where(r => Identifiers(r).Any(i => i.System == identifierSystem)).ToList();
    }

    public static string BusinessId(Resource resource, string identifierSystem) =>
        Identifiers(resource).Single(i => i.System == identifierSystem).Value;

    private static List<Identifier> Identifiers(Resource resource) => resource switch
    {
        Patient p => p.Identifier,
        Condition c => c.Identifier,
        Procedure p => p.Identifier,
        Observation o => o.Identifier,
        _ => [],
    };
}

using Hl7.Fhir.Model;
using MndFhir.Serialization;

namespace MndFhir.IntegrationTests.Sync;

/// <summary>Reads what a FHIR server holds, page by page, through its plain search API.</summary>
internal static class FhirServerContents
{
    public static async Task<List<T>> AllAsync<T>(HttpClient http, Uri baseUrl, string identifierSystem, CancellationToken ct)
        where T : Resource, new()
    {
        const int PageSize = 1000;
        var type = new T().TypeName;
        var resources = new List<T>();
        for (var offset = 0; ; offset += PageSize)
        {
            var json = await http.GetStringAsync(new Uri(baseUrl, $"{type}?_count={PageSize}&_offset={offset}"), ct);
            var page = FhirJson.Deserialize<Bundle>(json);
            resources.AddRange(page.Entry.Select(e => e.Resource).OfType<T>());
            if (page.Entry.Count < PageSize)
            {
                break;
            }
        }

        return resources.Where(r => Identifiers(r).Any(i => i.System == identifierSystem)).ToList();
    }

    public static string BusinessId(Resource resource, string identifierSystem) =>
        Identifiers(resource).Single(i => i.System == identifierSystem).Value!;

    private static List<Identifier> Identifiers(Resource resource) => resource switch
    {
        Patient p => p.Identifier,
        Condition c => c.Identifier,
        Procedure p => p.Identifier,
        Observation o => o.Identifier,
        _ => [],
    };
}

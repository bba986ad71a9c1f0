using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;

namespace MndFhir.IntegrationTests.Sync;

/// <summary>Compares what a FHIR server holds with the clinic export and with the ledger: duplicates, missing, disagreements.</summary>
internal sealed record ServerAudit(int Records, int OnServer, int Duplicates, int Missing, int LedgerDisagreements)
{
    public static async Task<ServerAudit> RunAsync(HttpClient http, Uri baseUrl, string system, SampleExport export, IDbContextFactory<MndFhirDbContext> contexts, string destination, CancellationToken ct)
    {
        var expected = new Dictionary<string, IEnumerable<string>>
        {
            ["Patient"] = export.Patients.Keys,
            ["Condition"] = export.Patients.Keys,
            ["Procedure"] = export.Treatments.Keys,
            ["Observation"] = export.ObservationIds,
        };
        var onServer = new Dictionary<(string Type, string BusinessId), List<string>>();
        foreach (var type in expected.Keys)
        {
            var resources = type switch
            {
                "Patient" => (await FhirServerContents.AllAsync<Patient>(http, baseUrl, system + "/patient", ct)).Cast<Resource>(),
                "Condition" => (await FhirServerContents.AllAsync<Condition>(http, baseUrl, system + "/condition", ct)).Cast<Resource>(),
                "Procedure" => (await FhirServerContents.AllAsync<Procedure>(http, baseUrl, system + "/procedure", ct)).Cast<Resource>(),
                _ => (await FhirServerContents.AllAsync<Observation>(http, baseUrl, system + "/observation", ct)).Cast<Resource>(),
            };
            foreach (var r in resources)
            {
                var key = (type, FhirServerContents.BusinessId(r, system + "/" + type.ToLowerInvariant()));
                if (!onServer.TryGetValue(key, out var ids))
                {
                    onServer[key] = ids = [];
                }

                ids.Add(r.Id!);
            }
        }

        var records = expected.Sum(e => e.Value.Count());
        var missing = expected.Sum(e => e.Value.Count(id => !onServer.ContainsKey((e.Key, id))));
        var duplicates = onServer.Values.Sum(ids => ids.Count - 1);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ledger = await db.Ledger.AsNoTracking().Where(e => e.Destination == destination).ToListAsync(ct);
        var disagreements = ledger.Count(e => e.State != LedgerState.Delivered
            || !onServer.TryGetValue((e.ResourceType, e.BusinessId), out var ids) || !ids.Contains(e.ServerId!));
        disagreements += records - ledger.Count;
        return new ServerAudit(records, onServer.Values.Sum(v => v.Count), duplicates, missing, disagreements);
    }

    public override string ToString() =>
        $"records: {Records}, resources on the server: {OnServer}, duplicates: {Duplicates}, missing: {Missing}, ledger disagreements: {LedgerDisagreements}";
}

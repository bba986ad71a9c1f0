using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Planning;
using MndFhir.Sync.Records;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Status;

/// <summary>
/// Counts per destination. Pending is computed as a sync would (the records mapped and compared with the ledger,
/// nothing sent), and kept with a key over everything it depends on (<see cref="StatusSnapshots"/>), so it is read
/// back while nothing changed and never drifts from what the next sync will do.
/// </summary>
public sealed class SyncStatusService(IDbContextFactory<MndFhirDbContext> contexts, SyncPreview preview, StatusSnapshots snapshots, IOptions<SyncSettings> settings)
{
    public async Task<IReadOnlyList<DestinationStatus>> GetAsync(CancellationToken ct)
    {
        var list = new List<DestinationStatus>();
        foreach (var destination in settings.Value.Destinations)
        {
            list.Add(await GetAsync(destination, ct));
        }

        return list;
    }

    public async Task<DestinationStatus> GetAsync(DestinationOptions destination, CancellationToken ct)
    {
        int pending = 0, failed = 0;
        if (await snapshots.ReadAsync(destination, ct) is { } known)
        {
            (pending, failed) = (known.Pending, known.Failed);
        }
        else
        {
            await foreach (var item in preview.ChangesAsync(destination, ct))
            {
                if (item.Kind == ChangeKind.Retry)
                {
                    failed++;
                }
                else if (item.Kind != ChangeKind.Unchanged)
                {
                    pending++;
                }
            }

            await snapshots.WriteAsync(destination, pending, failed, ct);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var delivered = await db.Ledger.CountAsync(e => e.Destination == destination.Name && e.State == LedgerState.Delivered, ct);
        var last = await db.SyncRuns.AsNoTracking()
            .Where(r => r.Destination == destination.Name)
            .OrderByDescending(r => r.Id)
            .FirstOrDefaultAsync(ct);
        return new DestinationStatus(destination.Name, delivered, pending, failed, last?.StartedAt, last?.Outcome.ToString());
    }
}

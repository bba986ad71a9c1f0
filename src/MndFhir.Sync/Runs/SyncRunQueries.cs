using Microsoft.EntityFrameworkCore;
using MndFhir.Data;

namespace MndFhir.Sync.Runs;

/// <summary>The run history, newest first: `mndfhir runs` and <c>GET /api/runs</c> read the same list.</summary>
public sealed class SyncRunQueries(IDbContextFactory<MndFhirDbContext> contexts)
{
    public const int DefaultTake = 20;

    public const int MaxTake = 500;

    public async Task<IReadOnlyList<SyncRun>> ListAsync(string? destination, int? take, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.SyncRuns.AsNoTracking()
            .Where(r => destination == null || r.Destination == destination)
            .OrderByDescending(r => r.Id)
            .Take(Math.Clamp(take ?? DefaultTake, 1, MaxTake))
            .ToListAsync(ct);
    }
}

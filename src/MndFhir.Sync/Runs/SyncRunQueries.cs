using Microsoft.EntityFrameworkCore;
using MndFhir.Data;

namespace MndFhir.Sync.Runs;

/// <summary>The run history, newest first: `mndfhir runs` and <c>GET /api/runs</c> read the same list.</summary>
public sealed class SyncRunQueries(IDbContextFactory<MndFhirDbContext> contexts)
{
    public const int DefaultTake = 20;

    public const int MaxTake = 500;

    public async Task<IReadOnlyList<SyncRunView>> ListAsync(string? destination, int? take, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.SyncRuns.AsNoTracking()
            .Where(r => destination == null || r.Destination == destination)
            .OrderByDescending(r => r.Id)
            .Take(Math.Clamp(take ?? DefaultTake, 1, MaxTake))
            .Select(r => new SyncRunView(r.Id, r.Destination, r.Trigger, r.StartedAt, r.FinishedAt, r.Outcome, r.Considered, r.Unchanged, r.Created, r.Updated, r.Failed, r.Blocked, r.Error))
            .ToListAsync(ct);
    }
}

/// <summary>
/// One sync run as `mndfhir runs --json` and <c>GET /api/runs</c> publish it: chosen fields, not the stored row, so a
/// column added to the run history is published only when this says so.
/// </summary>
public sealed record SyncRunView(
    long Id,
    string Destination,
    string Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    SyncOutcome Outcome,
    int Considered,
    int Unchanged,
    int Created,
    int Updated,
    int Failed,
    int Blocked,
    string? Error);

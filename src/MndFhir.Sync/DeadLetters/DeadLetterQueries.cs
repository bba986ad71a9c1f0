using Microsoft.EntityFrameworkCore;
using MndFhir.Data;

namespace MndFhir.Sync.DeadLetters;

/// <summary>The dead-letter list: ledger entries in state Failed, newest first.</summary>
public sealed class DeadLetterQueries(IDbContextFactory<MndFhirDbContext> contexts)
{
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string? destination, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Ledger.AsNoTracking()
            .Where(e => e.State == LedgerState.Failed && (destination == null || e.Destination == destination))
            .OrderByDescending(e => e.Id)
            .Select(e => new DeadLetter(e.Id, e.Destination, e.ResourceType, e.BusinessId, e.RecordId, e.Attempts, e.UpdatedAt, e.LastStatus, e.LastError))
            .ToListAsync(ct);
    }

    public async Task<DeadLetter?> FindAsync(long id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Ledger.AsNoTracking()
            .Where(e => e.Id == id && e.State == LedgerState.Failed)
            .Select(e => new DeadLetter(e.Id, e.Destination, e.ResourceType, e.BusinessId, e.RecordId, e.Attempts, e.UpdatedAt, e.LastStatus, e.LastError))
            .FirstOrDefaultAsync(ct);
    }
}

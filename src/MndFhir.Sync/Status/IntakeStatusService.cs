using Microsoft.EntityFrameworkCore;
using MndFhir.Data;

namespace MndFhir.Sync.Status;

/// <summary>The intake's side of status: the last import and the open quarantine per file.</summary>
public sealed class IntakeStatusService(IDbContextFactory<MndFhirDbContext> contexts)
{
    public async Task<IntakeStatus> GetAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var last = await db.ImportRuns.AsNoTracking().OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
        var open = await db.Quarantine.AsNoTracking()
            .Where(q => q.ResolvedAt == null)
            .GroupBy(q => new { q.File, WholeFile = q.RecordId == null && q.Column == null })
            .Select(g => new { g.Key.File, g.Key.WholeFile, Count = g.Count() })
            .ToListAsync(ct);
        var perFile = open.GroupBy(o => o.File, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new QuarantineCount(g.Key, g.Where(o => !o.WholeFile).Sum(o => o.Count), g.Where(o => o.WholeFile).Sum(o => o.Count)))
            .ToList();
        return new IntakeStatus(last?.Id, last?.StartedAt, last?.Outcome.ToString(), last?.Message, perFile);
    }
}

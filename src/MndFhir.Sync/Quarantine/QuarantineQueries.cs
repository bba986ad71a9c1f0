using Microsoft.EntityFrameworkCore;
using MndFhir.Data;

namespace MndFhir.Sync.Quarantine;

/// <summary>The quarantine as a list, by file and line: open entries, or all of them.</summary>
public sealed class QuarantineQueries(IDbContextFactory<MndFhirDbContext> contexts)
{
    public async Task<IReadOnlyList<QuarantineEntry>> ListAsync(bool includeResolved, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Quarantine.AsNoTracking()
            .Where(q => includeResolved || q.ResolvedAt == null)
            .OrderBy(q => q.File).ThenBy(q => q.Line).ThenBy(q => q.Id)
            .Select(q => new QuarantineEntry(
                q.Id, q.ResolvedAt == null ? QuarantineState.Open : QuarantineState.Resolved, q.File, q.Line, q.Column, q.RecordId, q.Rule, q.Message,
                q.FirstSeenAt, q.LastSeenAt, q.ResolvedAt, q.Resolution))
            .ToListAsync(ct);
    }
}

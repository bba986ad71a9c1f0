using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Records;

namespace MndFhir.Sync.Intake;

/// <summary>
/// The records a complete export no longer holds, marked removed (entered-in-error downstream), unless the removal guard
/// takes the export for a partial one.
/// </summary>
/// <param name="warnings">Where a refusal is reported (the import's warnings).</param>
internal sealed class ExportRemovals(MndFhirDbContext db, TimeProvider clock, ILogger logger, List<string> warnings)
{
    private readonly MndFhirDbContext _db = db;
    private readonly TimeProvider _clock = clock;
    private readonly ILogger _logger = logger;
    private readonly List<string> _warnings = warnings;

    /// <param name="seen">The ids read from the export, as <see cref="IdHash"/>es: a million ids in 20 MB.</param>
    /// <param name="plan">The removals worked out before (at the end of assessments.csv, when a panel decision needed
    /// them), so that what the panel check assumed is what happens; null: worked out now.</param>
    public async Task MarkAsync<T>(FileImportSummary summary, string key, SeenIds seen, bool allowRemovals, CancellationToken ct, RemovalPlan? plan = null)
        where T : ClinicRecord
    {
        var set = _db.Set<T>();
        var (gone, goneCount, storedCount, refused) = plan ?? await PlanAsync<T>(key, seen, allowRemovals, ct);
        if (goneCount == 0)
        {
            return;
        }

        if (refused)
        {
            summary.RemovalsRefused = goneCount;
            _warnings.Add($"{summary.File}: {goneCount} of {storedCount} stored records are not in this export; that looks like a partial export, so none was marked removed (import with --allow-removals to remove them)");
            _logger.LogWarning("{File}: refused to mark {Count} of {Stored} records removed", summary.File, goneCount, storedCount);
            return;
        }

        var now = _clock.GetUtcNow();
        foreach (var chunk in gone.Chunk(ExportImport.BatchSize))
        {
            await set.Where(r => chunk.Contains(EF.Property<string>(r, key)))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.RemovedFromExportAt, now).SetProperty(r => r.UpdatedAt, now), ct);
        }

        summary.Removed = gone.Count;
        _logger.LogInformation("{File}: {Count} records no longer in the export were marked removed", summary.File, gone.Count);
    }

    /// <summary>
    /// Which stored records in force this export no longer holds, and whether the removal guard lets them be marked
    /// removed. One record gone is an ordinary correction; more than a tenth of a file (or all of a small one) looks like
    /// a truncated or partial export. The stored ids are streamed; only those gone are kept, and no more of them than the
    /// guard allows unless removals were allowed.
    /// </summary>
    public async Task<RemovalPlan> PlanAsync<T>(string key, SeenIds seen, bool allowRemovals, CancellationToken ct)
        where T : ClinicRecord
    {
        var set = _db.Set<T>();
        var storedCount = await set.CountAsync(r => r.RemovedFromExportAt == null, ct);
        var limit = allowRemovals ? int.MaxValue : Math.Max(1, storedCount / 10);
        var gone = new List<string>();
        var goneCount = 0;
        await foreach (var id in set.AsNoTracking().Where(r => r.RemovedFromExportAt == null).Select(r => EF.Property<string>(r, key)).AsAsyncEnumerable().WithCancellation(ct))
        {
            if (!seen.Contains(IdHash.Of(id)) && ++goneCount <= limit)
            {
                gone.Add(id);
            }
        }

        return new RemovalPlan(gone, goneCount, storedCount, goneCount > limit);
    }
}

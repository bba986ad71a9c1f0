using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Records;

namespace MndFhir.Sync.Intake;

/// <summary>
/// Where an import's batches of rows land: each accepted row compared with the stored record of its id (new, changed,
/// unchanged, or a retraction applied), the rejected ones quarantined, and the change tracker cleared after each batch,
/// so that memory does not grow with the export.
/// </summary>
internal sealed class ExportBatchStore(MndFhirDbContext db, TimeProvider clock, ImportQuarantine quarantine)
{
    private readonly MndFhirDbContext _db = db;
    private readonly TimeProvider _clock = clock;
    private readonly ImportQuarantine _quarantine = quarantine;

    /// <summary>Stores a batch: new rows added, changed rows updated, retractions applied, rejections quarantined.</summary>
    public async Task FlushAsync<T>(string file, List<ParsedRow<T>> batch, List<RowRejection> rejections, FileImportSummary summary, CancellationToken ct)
        where T : ClinicRecord
    {
        if (batch.Count > 0)
        {
            var now = _clock.GetUtcNow();
            var set = _db.Set<T>();
            var existing = await ExistingAsync(set, batch.Select(r => r.Record!.RecordId).ToList(), ct);
            var stored = new List<string>(batch.Count);
            foreach (var row in batch)
            {
                var record = row.Record!;
                var held = existing.GetValueOrDefault(record.RecordId);
                if (RecordRetraction.IsRetraction(record))
                {
                    if (RecordRetraction.Apply(record, held, row.Line, file, summary, now) is { } mismatch)
                    {
                        rejections.Add(mismatch);
                        summary.Rejected++;
                        continue;
                    }
                }
                else if (held is null)
                {
                    record.FirstImportedAt = now;
                    record.UpdatedAt = now;
                    set.Add(record);
                    summary.Created++;
                }
                else if (held.ContentHash != record.ContentHash || held.IsRemoved)
                {
                    var firstImported = held.FirstImportedAt;
                    _db.Entry(held).CurrentValues.SetValues(record);
                    held.FirstImportedAt = firstImported;
                    held.UpdatedAt = now;
                    summary.Updated++;
                }
                else
                {
                    summary.Unchanged++;
                }

                stored.Add(record.RecordId);
            }

            await _quarantine.ResolveValidRowsAsync(file, stored, now, ct);
            batch.Clear();
        }

        await _quarantine.AddAsync(rejections, ct);
        rejections.Clear();
        await _db.SaveChangesAsync(ct);
        _db.ChangeTracker.Clear();
    }

    private static async Task<Dictionary<string, T>> ExistingAsync<T>(DbSet<T> set, List<string> ids, CancellationToken ct)
        where T : ClinicRecord
    {
        IQueryable<ClinicRecord> query = set switch
        {
            DbSet<PatientRecord> p => p.Where(x => ids.Contains(x.PatientId)),
            DbSet<TreatmentRecord> t => t.Where(x => ids.Contains(x.TreatmentId)),
            DbSet<AssessmentRecord> a => a.Where(x => ids.Contains(x.AssessmentId)),
            _ => throw new ArgumentException($"{typeof(T).Name} is not a clinic record set", nameof(set)),
        };
        return (await query.ToListAsync(ct)).Cast<T>().ToDictionary(r => r.RecordId, StringComparer.Ordinal);
    }
}

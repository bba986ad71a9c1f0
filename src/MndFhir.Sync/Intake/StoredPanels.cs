using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Sync.Intake;

/// <summary>
/// What an import needs to know of the panels imported before, read from the database inside the import's transaction:
/// who keeps each panel_id and which assessment holds each item, once at the start; the stored items and totals of the
/// few panels the panel check still decides at the end of assessments.csv.
/// </summary>
internal sealed class StoredPanels(MndFhirDbContext db, MappingSet rules)
{
    private readonly MndFhirDbContext _db = db;
    private readonly MappingSet _rules = rules;

    /// <summary>
    /// Who keeps each panel_id imported before: the patient of its first imported item or total (earliest
    /// FirstImportedAt, then smallest assessment id), removed and retracted rows included, since their panel resource
    /// keeps its key; a panel_id on another measure groups nothing and is left out. And which
    /// assessment holds each item (or total) of a panel: the rows still in force only (not retracted, not removed),
    /// about 20 bytes each.
    /// </summary>
    public async Task<(Dictionary<string, string> Patients, PanelItemHolders Items)> HoldersAsync(CancellationToken ct)
    {
        var panelCodes = _rules.PanelOfMeasure.Keys.ToList();
        var items = new PanelItemHolders(await _db.Assessments.CountAsync(a => a.PanelId != null && panelCodes.Contains(a.Code), ct));
        var first = new Dictionary<string, (string Patient, DateTimeOffset At, string Id)>(StringComparer.Ordinal);
        var rows = _db.Assessments.AsNoTracking().Where(a => a.PanelId != null && panelCodes.Contains(a.Code))
            .Select(a => new { a.PanelId, a.PatientId, a.FirstImportedAt, a.AssessmentId, a.Code, a.Status, a.RemovedFromExportAt });
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            if (row.Status != AssessmentStatus.EnteredInError && row.RemovedFromExportAt is null)
            {
                items.Add(row.PanelId!, row.Code, row.AssessmentId);
            }

            if (!first.TryGetValue(row.PanelId!, out var held)
                || row.FirstImportedAt < held.At
                || (row.FirstImportedAt == held.At && string.CompareOrdinal(row.AssessmentId, held.Id) < 0))
            {
                first[row.PanelId!] = (row.PatientId, row.FirstImportedAt, row.AssessmentId);
            }
        }

        return (first.ToDictionary(p => p.Key, p => p.Value.Patient, StringComparer.Ordinal), items);
    }

    /// <summary>
    /// The items and totals imported before and still in force (not retracted, not removed) of the panels whose total
    /// waits for them at the end of assessments.csv, or whose items wait for their stored total: only those panels
    /// (most often few), in chunks, never every stored item.
    /// </summary>
    public async Task<List<StoredPanelItem>> ItemsAsync(IReadOnlyList<string> panelIds, CancellationToken ct)
    {
        var items = new List<StoredPanelItem>();
        var panelCodes = _rules.PanelOfMeasure.Keys.ToList();
        foreach (var chunk in panelIds.Chunk(ExportImport.BatchSize))
        {
            items.AddRange(await _db.Assessments.AsNoTracking()
                .Where(a => a.PanelId != null && chunk.Contains(a.PanelId) && panelCodes.Contains(a.Code)
                    && a.Status != AssessmentStatus.EnteredInError && a.RemovedFromExportAt == null)
                .Select(a => new StoredPanelItem(a.PanelId!, a.Code, a.AssessmentId, a.Value, a.ContentHash))
                .ToListAsync(ct));
        }

        return items;
    }
}

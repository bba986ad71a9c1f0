using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;
using MndFhir.Serialization;

namespace MndFhir.Sync.Intake;

/// <summary>
/// Imports a clinic export into the application database: patients, then treatments, then assessments, so that every
/// reference can be checked against what is already known. New rows are added, changed rows (by content hash) update
/// their record only, unchanged rows are left alone; bad rows go to the quarantine with file, line, column and rule,
/// and a row that is later fixed resolves its quarantine entry. Rows are processed in batches, never all in memory.
/// </summary>
public sealed class ClinicImporter(IDbContextFactory<MndFhirDbContext> contexts, MappingSet rules, TimeProvider clock, ILogger<ClinicImporter> logger)
{
    private const int BatchSize = 500;

    // Quarantine entries seen again in this import are not resolved by a twin row of the same import.
    private DateTimeOffset _importStartedAt;

    /// <summary>
    /// Imports the export in <paramref name="folder"/>. Each file is a complete export: a stored record whose row is
    /// gone is marked removed (its resources become entered-in-error) unless that would remove more than a tenth of a
    /// file's records at once, which looks like a truncated export; <paramref name="allowMassRemoval"/> overrides that.
    /// </summary>
    public async Task<ImportSummary> ImportAsync(string folder, CancellationToken ct, bool allowMassRemoval = false)
    {
        var stopwatch = Stopwatch.StartNew();
        _importStartedAt = clock.GetUtcNow();
        var warnings = new List<string>();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var patients = (await db.Patients.Select(p => p.PatientId).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var treatments = (await db.Treatments.Select(t => t.TreatmentId).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var context = new IntakeContext(rules, patients.Contains, treatments.Contains);
        var parser = new ClinicExportParser();
        var files = new List<FileImportSummary>();

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var file = await ImportFileAsync(folder, ClinicFile.Patients, (r, c) => parser.ReadPatientsAsync(r, context, c), p => patients.Add(p.PatientId), seen, warnings, ct);
        files.Add(await MarkRemovedAsync<PatientRecord>(file, nameof(PatientRecord.PatientId), seen, allowMassRemoval, warnings, ct));
        seen.Clear();
        file = await ImportFileAsync(folder, ClinicFile.Treatments, (r, c) => parser.ReadTreatmentsAsync(r, context, c), t => treatments.Add(t.TreatmentId), seen, warnings, ct);
        files.Add(await MarkRemovedAsync<TreatmentRecord>(file, nameof(TreatmentRecord.TreatmentId), seen, allowMassRemoval, warnings, ct));
        seen.Clear();
        file = await ImportAssessmentsAsync(folder, parser, context, seen, warnings, ct);
        files.Add(await MarkRemovedAsync<AssessmentRecord>(file, nameof(AssessmentRecord.AssessmentId), seen, allowMassRemoval, warnings, ct));
        warnings.AddRange(context.Warnings.Select(w => w.ToString()));

        var summary = new ImportSummary(files, warnings, stopwatch.Elapsed);
        if (summary.Rejected > 0)
        {
            logger.LogWarning("{Rejected} rows of {Folder} were quarantined", summary.Rejected, Path.GetFileName(folder));
        }

        logger.LogInformation(
            "Imported {Folder}: {Created} new, {Updated} changed, {Unchanged} unchanged, {Rejected} rejected in {ElapsedMs:0} ms",
            Path.GetFileName(folder), files.Sum(f => f.Created), files.Sum(f => f.Updated), files.Sum(f => f.Unchanged), summary.Rejected, stopwatch.Elapsed.TotalMilliseconds);
        return summary;
    }

    private async Task<FileImportSummary> ImportFileAsync<T>(
        string folder,
        ClinicFile file,
        Func<TextReader, CancellationToken, IAsyncEnumerable<ParsedRow<T>>> read,
        Action<T> accepted,
        HashSet<string> seen,
        List<string> warnings,
        CancellationToken ct)
        where T : ClinicRecord
    {
        var name = file.FileName();
        var summary = new FileImportSummary(name);
        var path = Path.Combine(folder, name);
        if (!File.Exists(path))
        {
            warnings.Add($"{name}: not found in the export folder; nothing imported from it, nothing marked removed");
            summary.Missing = true;
            return summary;
        }

        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var batch = new List<T>(BatchSize);
        await foreach (var row in read(reader, ct))
        {
            summary.Rows++;
            if ((row.Record?.RecordId ?? row.Rejection?.RecordId) is { } id)
            {
                // A row that is present but broken is not a removal: its record stays as it was.
                seen.Add(id);
            }

            if (row.Rejection is { } rejection)
            {
                summary.Rejected++;
                await QuarantineAsync([rejection], ct);
                continue;
            }

            accepted(row.Record!);
            batch.Add(row.Record!);
            if (batch.Count == BatchSize)
            {
                await UpsertAsync(name, batch, summary, ct);
            }
        }

        await UpsertAsync(name, batch, summary, ct);
        return summary;
    }

    private async Task<FileImportSummary> ImportAssessmentsAsync(string folder, ClinicExportParser parser, IntakeContext context, HashSet<string> seen, List<string> warnings, CancellationToken ct)
    {
        // A panel total can only be checked once all of its panel's items were read: totals wait until the end of the
        // file (they are one row in thirteen of a panel), everything else is stored as it streams.
        var totals = rules.Panels.Values.Select(p => p.Total).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var panels = new PanelConsistencyCheck(rules);
        var heldTotals = new List<AssessmentRecord>();
        var summary = await ImportFileAsync(
            folder,
            ClinicFile.Assessments,
            (r, c) => Hold(parser.ReadAssessmentsAsync(r, context, c), totals, heldTotals, panels, c),
            _ => { },
            seen,
            warnings,
            ct);
        summary.Rows += heldTotals.Count;
        seen.UnionWith(heldTotals.Select(t => t.AssessmentId));
        var rejected = panels.Complete().ToList();
        summary.Rejected += rejected.Count;
        await QuarantineAsync(rejected, ct);
        var rejectedIds = rejected.Select(r => r.RecordId).ToHashSet(StringComparer.Ordinal);
        foreach (var chunk in heldTotals.Where(t => !rejectedIds.Contains(t.AssessmentId)).Chunk(BatchSize))
        {
            await UpsertAsync(summary.File, chunk.ToList(), summary, ct);
        }

        return summary;
    }

    private static async IAsyncEnumerable<ParsedRow<AssessmentRecord>> Hold(
        IAsyncEnumerable<ParsedRow<AssessmentRecord>> rows,
        HashSet<string> totals,
        List<AssessmentRecord> held,
        PanelConsistencyCheck panels,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in rows.WithCancellation(ct))
        {
            if (row.Record is { } record)
            {
                panels.Add(record, row.Line);
                if (totals.Contains(record.Code) && record.PanelId is not null)
                {
                    held.Add(record);
                    continue;
                }
            }

            yield return row;
        }
    }

    private async Task UpsertAsync<T>(string file, List<T> batch, FileImportSummary summary, CancellationToken ct)
        where T : ClinicRecord
    {
        if (batch.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var set = db.Set<T>();
        var ids = batch.Select(r => r.RecordId).ToList();
        var existing = await ExistingAsync(set, ids, ct);
        foreach (var record in batch)
        {
            if (!existing.TryGetValue(record.RecordId, out var stored))
            {
                record.FirstImportedAt = now;
                record.UpdatedAt = now;
                set.Add(record);
                summary.Created++;
            }
            else if (stored.ContentHash != record.ContentHash || stored.IsRemoved)
            {
                var firstImported = stored.FirstImportedAt;
                db.Entry(stored).CurrentValues.SetValues(record);
                stored.FirstImportedAt = firstImported;
                stored.UpdatedAt = now;
                summary.Updated++;
            }
            else
            {
                summary.Unchanged++;
            }
        }

        // A row that is valid now resolves what was quarantined for the same record of the same file.
        await db.Quarantine
            .Where(q => q.File == file && q.ResolvedAt == null && q.LastSeenAt < _importStartedAt && q.RecordId != null && ids.Contains(q.RecordId))
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.ResolvedAt, now).SetProperty(q => q.Resolution, "a valid row was imported"), ct);
        await db.SaveChangesAsync(ct);
        batch.Clear();
    }

    private async Task<FileImportSummary> MarkRemovedAsync<T>(
        FileImportSummary summary, string key, HashSet<string> seen, bool allowMassRemoval, List<string> warnings, CancellationToken ct)
        where T : ClinicRecord
    {
        if (summary.Missing)
        {
            return summary;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var set = db.Set<T>();
        var stored = await set.Where(r => r.RemovedFromExportAt == null).Select(r => EF.Property<string>(r, key)).ToListAsync(ct);
        var gone = stored.Where(id => !seen.Contains(id)).ToList();
        if (gone.Count == 0)
        {
            return summary;
        }

        if (!allowMassRemoval && gone.Count > Math.Max(10, stored.Count / 10))
        {
            warnings.Add($"{summary.File}: {gone.Count} of {stored.Count} stored records are not in this export; that looks like a partial export, so none was marked removed (import with --allow-removals to remove them)");
            logger.LogWarning("{File}: refused to mark {Count} of {Stored} records removed", summary.File, gone.Count, stored.Count);
            return summary;
        }

        var now = clock.GetUtcNow();
        foreach (var chunk in gone.Chunk(BatchSize))
        {
            await set.Where(r => chunk.Contains(EF.Property<string>(r, key)))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.RemovedFromExportAt, now).SetProperty(r => r.UpdatedAt, now), ct);
        }

        summary.Removed = gone.Count;
        logger.LogInformation("{File}: {Count} records no longer in the export were marked removed", summary.File, gone.Count);
        return summary;
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

    private async Task QuarantineAsync(IReadOnlyList<RowRejection> rejections, CancellationToken ct)
    {
        if (rejections.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(ct);
        foreach (var rejection in rejections)
        {
            var rowJson = JsonSerializer.Serialize(rejection.Row);
            var rowHash = FhirJson.Hash(rejection.File + "\n" + rejection.Rule + "\n" + rowJson);
            var open = await db.Quarantine.FirstOrDefaultAsync(q => q.RowHash == rowHash && q.ResolvedAt == null, ct);
            if (open is not null)
            {
                open.LastSeenAt = now;
                open.Line = rejection.Line;
                continue;
            }

            db.Quarantine.Add(new QuarantinedRow
            {
                File = rejection.File,
                Line = rejection.Line,
                Column = rejection.Column,
                Rule = rejection.Rule,
                Message = rejection.Message,
                RecordId = rejection.RecordId,
                RowJson = rowJson,
                RowHash = rowHash,
                FirstSeenAt = now,
                LastSeenAt = now,
            });
            logger.LogInformation("Quarantined {File} line {Line} record {RecordId}: rule {Rule}", rejection.File, rejection.Line, rejection.RecordId, rejection.Rule);
        }

        await db.SaveChangesAsync(ct);
    }
}

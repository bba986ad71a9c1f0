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

    public async Task<ImportSummary> ImportAsync(string folder, CancellationToken ct)
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

        files.Add(await ImportFileAsync(folder, ClinicFile.Patients, (r, c) => parser.ReadPatientsAsync(r, context, c), p => patients.Add(p.PatientId), warnings, ct));
        files.Add(await ImportFileAsync(folder, ClinicFile.Treatments, (r, c) => parser.ReadTreatmentsAsync(r, context, c), t => treatments.Add(t.TreatmentId), warnings, ct));
        files.Add(await ImportAssessmentsAsync(folder, parser, context, warnings, ct));
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
        List<string> warnings,
        CancellationToken ct)
        where T : ClinicRecord
    {
        var name = file.FileName();
        var summary = new FileImportSummary(name);
        var path = Path.Combine(folder, name);
        if (!File.Exists(path))
        {
            warnings.Add($"{name}: not found in the export folder; nothing imported from it");
            return summary;
        }

        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var batch = new List<T>(BatchSize);
        await foreach (var row in read(reader, ct))
        {
            summary.Rows++;
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

    private async Task<FileImportSummary> ImportAssessmentsAsync(string folder, ClinicExportParser parser, IntakeContext context, List<string> warnings, CancellationToken ct)
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
            warnings,
            ct);
        summary.Rows += heldTotals.Count;
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
            else if (stored.ContentHash != record.ContentHash)
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

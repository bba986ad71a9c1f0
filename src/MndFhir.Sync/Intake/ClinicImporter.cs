using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Sync.Progress;

namespace MndFhir.Sync.Intake;

/// <summary>
/// Imports a clinic export into the application database as one unit: every file is read and checked, and the whole
/// import is committed at once, so a sync sees the database as it was before the import or after it, never between;
/// a killed import leaves nothing behind but its run marked failed. A file that breaks a file rule is rejected whole
/// (nothing of it kept, nothing marked removed); a bad row goes to the quarantine with file, line, column and rule and
/// every other row is imported. Rows gone from a complete, valid export are marked removed, unless so many are gone
/// that it looks like a partial export. An import never runs beside another import or a sync.
/// </summary>
public sealed class ClinicImporter(IDbContextFactory<MndFhirDbContext> contexts, MappingSet rules, TimeProvider clock, IRunProgress progress, ILogger<ClinicImporter> logger)
{
    public Task<ImportSummary> ImportAsync(string folder, CancellationToken ct) => ImportAsync(folder, ImportOptions.Default, ct);

    public async Task<ImportSummary> ImportAsync(string folder, ImportOptions options, CancellationToken ct)
    {
        if (!Directory.Exists(folder))
        {
            throw new ExportFolderNotFoundException(folder);
        }

        await using var gate = await ImportGate.EnterAsync(contexts, clock, ct);
        if (options.UnlessImported is { } fingerprint && await ImportedAsync(fingerprint, ct) is { } earlier)
        {
            // Another occurrence imported it between our check and our lease: that work is done.
            throw new ImportBusyException($"This export was imported meanwhile (import {earlier}); nothing to import until a new one comes.");
        }

        var run = await StartRunAsync(folder, options.Trigger, ct);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["ImportId"] = run.Id });
        var stopwatch = Stopwatch.StartNew();
        ImportSummary summary;
        try
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var import = new ExportImport(db, transaction, rules, clock, logger, run.StartedAt, progress);
            var files = await import.RunAsync(folder, options.AllowRemovals, ct);
            var open = await db.Quarantine.CountAsync(q => q.ResolvedAt == null, ct);
            summary = new ImportSummary(run.Id, files, import.Warnings, stopwatch.Elapsed) { OpenQuarantine = open };
            run.Fingerprint = import.Fingerprint;
            Count(run, summary);
            Finish(run, summary.FilesRejected + summary.Rejected + summary.RemovalsRefused == 0 ? ImportOutcome.Succeeded : ImportOutcome.PartlySucceeded, Problems(summary));

            // The run's outcome commits with the import: a process killed after the commit leaves the run finished, one
            // killed before leaves it Running, and the next import closes it as failed with nothing kept. Both true.
            await SaveRunAsync(db, run, ct);
            await transaction.CommitAsync(ct);
        }
        catch (Exception ex)
        {
            // Nothing of the import was kept: neither are its figures.
            run.Fingerprint = null;
            Count(run, new ImportSummary(run.Id, [], [], stopwatch.Elapsed));
            await FinishRunAsync(run, ImportOutcome.Failed, ex is OperationCanceledException ? "cancelled: nothing of this import was kept" : $"failed, nothing of this import was kept: {ex.Message}");
            throw;
        }

        logger.LogInformation(
            "Import {ImportId} of {Folder}: {Created} new, {Updated} changed, {Unchanged} unchanged, {Retracted} retracted, {Removed} removed, {Rejected} rows and {FilesRejected} files rejected in {ElapsedMs:0} ms",
            run.Id, Path.GetFileName(folder), run.Created, run.Updated, run.Unchanged, run.Retracted, run.Removed, run.Rejected, run.FilesRejected, stopwatch.Elapsed.TotalMilliseconds);
        return summary;
    }

    private async Task<long?> ImportedAsync(string fingerprint, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await ExportFingerprint.ImportedAsync(db, fingerprint, ct);
    }

    /// <summary>Records the run before the import's transaction starts, and closes any earlier run whose process died.</summary>
    private async Task<ImportRun> StartRunAsync(string folder, string trigger, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();

        // Holding the import lease, any import still marked running was cut off: its transaction was never committed.
        await db.ImportRuns.Where(r => r.Outcome == ImportOutcome.Running).ExecuteUpdateAsync(
            s => s.SetProperty(r => r.Outcome, ImportOutcome.Failed)
                .SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.Message, "The process running this import stopped before it finished; nothing of it was kept."),
            ct);
        var run = new ImportRun { Folder = folder, Trigger = trigger, StartedAt = now, Outcome = ImportOutcome.Running };
        db.ImportRuns.Add(run);
        await db.SaveChangesAsync(ct);
        return run;
    }

    private void Finish(ImportRun run, ImportOutcome outcome, string? message)
    {
        run.Outcome = outcome;
        run.FinishedAt = clock.GetUtcNow();
        run.Message = message is { Length: > 4000 } ? message[..4000] : message;
    }

    private async Task FinishRunAsync(ImportRun run, ImportOutcome outcome, string? message)
    {
        Finish(run, outcome, message);
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await SaveRunAsync(db, run, CancellationToken.None);
    }

    /// <summary>Writes the whole run row, in <paramref name="db"/>'s transaction when it has one.</summary>
    private static async Task SaveRunAsync(MndFhirDbContext db, ImportRun run, CancellationToken ct)
    {
        db.ImportRuns.Update(run);
        await db.SaveChangesAsync(ct);
    }

    private static void Count(ImportRun run, ImportSummary summary)
    {
        run.Rows = summary.Files.Sum(f => f.Rows);
        run.Created = summary.Files.Sum(f => f.Created);
        run.Updated = summary.Files.Sum(f => f.Updated);
        run.Unchanged = summary.Files.Sum(f => f.Unchanged);
        run.Rejected = summary.Rejected;
        run.Removed = summary.Files.Sum(f => f.Removed);
        run.Retracted = summary.Files.Sum(f => f.Retracted);
        run.FilesRejected = summary.FilesRejected;
    }

    private static string? Problems(ImportSummary summary)
    {
        var lines = summary.Files.Select(f => f.Problem?.ToString())
            .Concat(summary.Files.Where(f => f.RemovalsRefused > 0).Select(f => $"{f.File}: {f.RemovalsRefused} records gone from the export were not marked removed (a likely partial export)"))
            .Concat(summary.Rejected > 0 ? [$"{summary.Rejected} rows rejected to the quarantine"] : [])
            .OfType<string>()
            .ToList();
        return lines.Count == 0 ? null : string.Join('\n', lines);
    }
}

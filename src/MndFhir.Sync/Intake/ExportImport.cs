using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;
using MndFhir.Sync.Progress;

namespace MndFhir.Sync.Intake;

/// <summary>
/// The state and the steps of one import, inside its one transaction: patients, then treatments, then assessments, so
/// that every reference can be checked against what is already known. Each file runs under a savepoint: a file rule
/// broken anywhere in it rolls back everything that file wrote (rows and quarantine alike) and records the file
/// problem instead. Rows are processed in batches and the change tracker is cleared after each, so memory does not grow
/// with the export.
/// </summary>
internal sealed class ExportImport
{
    internal const int BatchSize = 500;

    // Throws on invalid UTF-8 instead of replacing it with U+FFFD; a UTF-8 byte order mark is skipped.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true);

    private readonly MndFhirDbContext _db;
    private readonly IDbContextTransaction _transaction;
    private readonly MappingSet _rules;
    private readonly TimeProvider _clock;
    private readonly List<string> _fingerprints = [];
    private Dictionary<string, ClinicDate> _patients = new(StringComparer.Ordinal);
    // Treatment id → its patient: an assessment may only name a treatment of its own patient.
    private Dictionary<string, string> _treatments = new(StringComparer.Ordinal);

    // Panel id → the patient who keeps it: the first met (imported before, else the first row of the export); rows of
    // panel measures only (a panel_id on another measure groups nothing).
    private Dictionary<string, string> _panels = new(StringComparer.Ordinal);

    // Per panel_id and item (or total), the assessment imported before that holds it: a new row for it is a repeat.
    private PanelItemHolders _panelItems = new();

    // The assessments' removals, when worked out at the end of assessments.csv for the panel check (most often not).
    private RemovalPlan? _assessmentRemovals;

    private readonly IRunProgress _progress;
    private readonly ImportQuarantine _quarantine;
    private readonly ExportRemovals _removals;
    private readonly StoredPanels _storedPanels;
    private readonly ExportBatchStore _batches;

    public ExportImport(MndFhirDbContext db, IDbContextTransaction transaction, MappingSet rules, TimeProvider clock, ILogger logger, DateTimeOffset startedAt, IRunProgress progress)
    {
        _progress = progress;
        _db = db;
        _transaction = transaction;
        _rules = rules;
        _clock = clock;
        _db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.TrackAll;
        _quarantine = new ImportQuarantine(db, clock, logger, startedAt);
        _removals = new ExportRemovals(db, clock, logger, Warnings);
        _storedPanels = new StoredPanels(db, rules);
        _batches = new ExportBatchStore(db, clock, _quarantine);
    }

    public List<string> Warnings { get; } = [];

    /// <summary>SHA-256 over the three files' own SHA-256s (in file order), or null when a file could not be read.</summary>
    public string? Fingerprint => _fingerprints.Count == 3 ? ExportFingerprint.Combine(_fingerprints) : null;

    public async Task<List<FileImportSummary>> RunAsync(string folder, bool allowRemovals, CancellationToken ct)
    {
        _patients = await _db.Patients.AsNoTracking().Select(p => new { p.PatientId, p.BirthDate }).ToDictionaryAsync(p => p.PatientId, p => p.BirthDate, StringComparer.Ordinal, ct);
        _treatments = await _db.Treatments.AsNoTracking().Select(t => new { t.TreatmentId, t.PatientId }).ToDictionaryAsync(t => t.TreatmentId, t => t.PatientId, StringComparer.Ordinal, ct);
        (_panels, _panelItems) = await _storedPanels.HoldersAsync(ct);
        var today = DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime);
        var context = new IntakeContext(_rules, today, id => _patients.TryGetValue(id, out var birth) ? birth : null, _treatments.ContainsKey)
        {
            PatientOfTreatment = id => _treatments.GetValueOrDefault(id),
            PatientOfPanel = id => _panels.GetValueOrDefault(id),
        };
        var parser = new ClinicExportParser();

        var patientIds = new SeenIds();
        var addedPatients = new List<(string Id, ClinicDate? Before)>();
        var patients = await ImportFileAsync(
            folder,
            ClinicFile.Patients,
            (r, seen) => parser.ReadPatientsAsync(r, context, seen, ct),
            patientIds,
            p =>
            {
                addedPatients.Add((p.PatientId, _patients.TryGetValue(p.PatientId, out var before) ? before : null));
                _patients[p.PatientId] = p.BirthDate;
            },
            () => Undo(addedPatients),
            ct);
        context.PatientsFileRejected = patients.Problem is not null;

        var treatmentIds = new SeenIds();
        var addedTreatments = new List<(string Id, string? Before)>();
        var treatments = await ImportFileAsync(
            folder,
            ClinicFile.Treatments,
            (r, seen) => parser.ReadTreatmentsAsync(r, context, seen, ct),
            treatmentIds,
            t =>
            {
                // A retraction keeps the stored record's patient (one naming another is quarantined when stored).
                var before = _treatments.GetValueOrDefault(t.TreatmentId);
                if (before != t.PatientId && (before is null || t.Status != TreatmentStatus.EnteredInError))
                {
                    addedTreatments.Add((t.TreatmentId, before));
                    _treatments[t.TreatmentId] = t.PatientId;
                }
            },
            () => Undo(addedTreatments),
            ct);

        var assessmentIds = new SeenIds();
        var removalsPossible = patients.Problem is null && treatments.Problem is null;
        var assessments = await ImportAssessmentsAsync(folder, parser, context, assessmentIds, removalsPossible, allowRemovals, ct);
        Warnings.AddRange(context.Warnings.Select(w => w.ToString()));

        List<FileImportSummary> files = [patients, treatments, assessments];
        if (files.Any(f => f.Problem is not null))
        {
            // Removals need a complete, valid export: a rejected or missing file says nothing about what is gone.
            Warnings.Add("nothing was marked removed: removals need a complete export in which every file was read");
        }
        else
        {
            await _removals.MarkAsync<PatientRecord>(patients, nameof(PatientRecord.PatientId), patientIds, allowRemovals, ct);
            await _removals.MarkAsync<TreatmentRecord>(treatments, nameof(TreatmentRecord.TreatmentId), treatmentIds, allowRemovals, ct);
            await _removals.MarkAsync<AssessmentRecord>(assessments, nameof(AssessmentRecord.AssessmentId), assessmentIds, allowRemovals, ct, _assessmentRemovals);
        }

        return files;
    }

    /// <summary>Forgets the patients a rejected patients.csv added, restoring what was known before.</summary>
    private void Undo(List<(string Id, ClinicDate? Before)> added)
    {
        foreach (var (id, before) in Enumerable.Reverse(added))
        {
            if (before is { } date)
            {
                _patients[id] = date;
            }
            else
            {
                _patients.Remove(id);
            }
        }
    }

    /// <summary>Forgets the treatments a rejected treatments.csv added, restoring the patient each had before.</summary>
    private void Undo(List<(string Id, string? Before)> added)
    {
        foreach (var (id, before) in Enumerable.Reverse(added))
        {
            if (before is not null)
            {
                _treatments[id] = before;
            }
            else
            {
                _treatments.Remove(id);
            }
        }
    }

    /// <summary>
    /// Imports one file under a savepoint. <paramref name="accepted"/> sees every accepted record as it streams (so
    /// later rows and files can refer to it), <paramref name="undo"/> forgets them when the file is rejected whole.
    /// <paramref name="gate"/> may keep an accepted row back from the batches and release it (or reject it) with a
    /// later row; <paramref name="drain"/> releases what it still holds at the end of the file.
    /// </summary>
    private async Task<FileImportSummary> ImportFileAsync<T>(
        string folder,
        ClinicFile file,
        Func<TextReader, SeenIds, IAsyncEnumerable<ParsedRow<T>>> read,
        SeenIds seen,
        Action<T> accepted,
        Action undo,
        CancellationToken ct,
        Func<ParsedRow<T>, IEnumerable<ParsedRow<T>>>? gate = null,
        Func<Task<IEnumerable<ParsedRow<T>>>>? drain = null)
        where T : ClinicRecord
    {
        var name = file.FileName();
        var summary = new FileImportSummary(name);
        var path = Path.Combine(folder, name);
        var (opened, notReadable) = ExportFileOpener.Open(path, name);
        if (opened is null)
        {
            return await RejectFileAsync(summary, notReadable!, ct);
        }

        // Read no further than the length the file had when opened, whatever it is (ExportFileOpener).
        await using var stream = opened;
        var scan = await ExportFileScan.ScanAsync(stream, name, ct);
        _fingerprints.Add(scan.Sha256);
        if (scan.Problem is { } found)
        {
            return await RejectFileAsync(summary, found, ct);
        }

        // Sized from the line count, the table of ids never grows (growing would hold the old table and the new).
        seen.EnsureCapacity(scan.Lines);
        stream.Position = 0;
        using var reader = new StreamReader(stream, StrictUtf8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16, leaveOpen: true);
        var savepoint = "import_" + file.ToString().ToLowerInvariant();
        await _transaction.CreateSavepointAsync(savepoint, ct);
        var batch = new List<ParsedRow<T>>(BatchSize);
        var rejections = new List<RowRejection>();
        await foreach (var row in read(reader, seen).WithCancellation(ct))
        {
            if (row.FileProblem is { } problem)
            {
                await _transaction.RollbackToSavepointAsync(savepoint, ct);
                _db.ChangeTracker.Clear();
                undo();
                return await RejectFileAsync(new FileImportSummary(name) { Rows = summary.Rows }, problem, ct);
            }

            if (++summary.Rows % 1000 == 0)
            {
                _progress.Report(new RunProgress("import " + name, stream.Position, stream.Length, "bytes"));
            }

            if ((row.Record?.RecordId ?? row.Rejection?.RecordId) is { } id)
            {
                // A row that is present but broken is not a removal: its record stays as it was.
                seen.Add(IdHash.Of(id));
            }

            if (row.Rejection is { } rejection)
            {
                summary.Rejected++;
                rejections.Add(rejection);
            }
            else
            {
                accepted(row.Record!);
                if (gate is null)
                {
                    batch.Add(row);
                }
                else
                {
                    Take(gate(row), batch, rejections, summary);
                }
            }

            if (batch.Count + rejections.Count >= BatchSize)
            {
                await _batches.FlushAsync(name, batch, rejections, summary, ct);
            }
        }

        if (drain is not null)
        {
            foreach (var chunk in (await drain()).Chunk(BatchSize))
            {
                Take(chunk, batch, rejections, summary);
                await _batches.FlushAsync(name, batch, rejections, summary, ct);
            }
        }

        await _batches.FlushAsync(name, batch, rejections, summary, ct);
        _progress.Report(new RunProgress("import " + name, stream.Length, stream.Length, "bytes", Finished: true));

        await _quarantine.ResolveFileReadWholeAsync(name, seen, ct);
        return summary;
    }

    /// <summary>Rows let through a gate go to the batch, or to the rejections when the gate rejected them.</summary>
    private static void Take<T>(IEnumerable<ParsedRow<T>> rows, List<ParsedRow<T>> batch, List<RowRejection> rejections, FileImportSummary summary)
        where T : ClinicRecord
    {
        foreach (var row in rows)
        {
            if (row.Rejection is { } rejection)
            {
                summary.Rejected++;
                rejections.Add(rejection);
            }
            else
            {
                batch.Add(row);
            }
        }
    }

    /// <param name="removalsPossible">Whether the other files were read whole, so that the rows gone from this one may be
    /// marked removed at the end (when the removal guard lets them).</param>
    private async Task<FileImportSummary> ImportAssessmentsAsync(string folder, ClinicExportParser parser, IntakeContext context, SeenIds seen, bool removalsPossible, bool allowRemovals, CancellationToken ct)
    {
        // A panel total can only be checked once all of its panel's items were read: a total waits until then (or,
        // when its panel stays incomplete, until the end of the file), everything else is stored as it streams (or
        // quarantined at once: a second row for an item of a panel).
        var panels = new PanelConsistencyCheck(_rules, _panelItems, seen, context.Warnings);
        return await ImportFileAsync(
            folder,
            ClinicFile.Assessments,
            (r, ids) => parser.ReadAssessmentsAsync(r, context, ids, ct),
            seen,
            a =>
            {
                // The first patient met keeps the panel; a later row of another patient is rejected by the parser.
                if (a.PanelId is { } panel && _rules.PanelOfMeasure.ContainsKey(a.Code))
                {
                    _panels.TryAdd(panel, a.PatientId);
                }
            },
            () => panels = new PanelConsistencyCheck(_rules, _panelItems, seen, context.Warnings),
            ct,
            row => panels.Add(row.Record!, row.Line) ? Released(panels) : [row],
            async () =>
            {
                // A row imported before that is gone from this complete export gives its panel item up, as a retracted
                // one does, when it is marked removed at the end: worked out here, once, when a panel decision needs it
                // (a replacement row, a total summed with stored items), and the same plan then marks them removed.
                var unreadRemoved = false;
                if (removalsPossible && panels.DependsOnRemovals)
                {
                    _assessmentRemovals = await _removals.PlanAsync<AssessmentRecord>(nameof(AssessmentRecord.AssessmentId), seen, allowRemovals, ct);
                    unreadRemoved = !_assessmentRemovals.Refused;
                }

                panels.Finish(await _storedPanels.ItemsAsync(panels.PanelsAwaitingStoredItems(), ct), unreadRemoved);
                return Released(panels);
            });

        static IEnumerable<ParsedRow<AssessmentRecord>> Released(PanelConsistencyCheck panels) =>
            panels.TakeDecided().Select(d => d.Rejection is null ? new ParsedRow<AssessmentRecord>(d.Line, d.Record, null) : new ParsedRow<AssessmentRecord>(d.Line, null, d.Rejection));
    }

    private async Task<FileImportSummary> RejectFileAsync(FileImportSummary summary, FileProblem problem, CancellationToken ct)
    {
        summary.Problem = problem;
        await _quarantine.AddFileProblemAsync(problem, ct);
        return summary;
    }

}

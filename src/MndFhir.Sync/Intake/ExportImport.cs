using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;
using MndFhir.Serialization;
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
    private const int BatchSize = 500;

    // Throws on invalid UTF-8 instead of replacing it with U+FFFD; a UTF-8 byte order mark is skipped.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true);

    private static readonly HashSet<string> FileRuleIds = typeof(FileRules).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet(StringComparer.Ordinal);

    private readonly MndFhirDbContext _db;
    private readonly IDbContextTransaction _transaction;
    private readonly MappingSet _rules;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly DateTimeOffset _startedAt;
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

    public ExportImport(MndFhirDbContext db, IDbContextTransaction transaction, MappingSet rules, TimeProvider clock, ILogger logger, DateTimeOffset startedAt, IRunProgress progress)
    {
        _progress = progress;
        _db = db;
        _transaction = transaction;
        _rules = rules;
        _clock = clock;
        _logger = logger;
        _startedAt = startedAt;
        _db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.TrackAll;
    }

    public List<string> Warnings { get; } = [];

    /// <summary>SHA-256 over the three files' own SHA-256s (in file order), or null when a file could not be read.</summary>
    public string? Fingerprint => _fingerprints.Count == 3 ? ExportFingerprint.Combine(_fingerprints) : null;

    public async Task<List<FileImportSummary>> RunAsync(string folder, bool allowRemovals, CancellationToken ct)
    {
        _patients = await _db.Patients.AsNoTracking().Select(p => new { p.PatientId, p.BirthDate }).ToDictionaryAsync(p => p.PatientId, p => p.BirthDate, StringComparer.Ordinal, ct);
        _treatments = await _db.Treatments.AsNoTracking().Select(t => new { t.TreatmentId, t.PatientId }).ToDictionaryAsync(t => t.TreatmentId, t => t.PatientId, StringComparer.Ordinal, ct);
        (_panels, _panelItems) = await PanelHoldersAsync(ct);
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
            await MarkRemovedAsync<PatientRecord>(patients, nameof(PatientRecord.PatientId), patientIds, allowRemovals, ct);
            await MarkRemovedAsync<TreatmentRecord>(treatments, nameof(TreatmentRecord.TreatmentId), treatmentIds, allowRemovals, ct);
            await MarkRemovedAsync<AssessmentRecord>(assessments, nameof(AssessmentRecord.AssessmentId), assessmentIds, allowRemovals, ct, _assessmentRemovals);
        }

        return files;
    }

    /// <summary>
    /// Who keeps each panel_id imported before: the patient of its first imported item or total (earliest
    /// FirstImportedAt, then smallest assessment id), removed and retracted rows included, since their panel resource
    /// keeps its key; a panel_id on another measure groups nothing and is left out. And which
    /// assessment holds each item (or total) of a panel: the rows still in force only (not retracted, not removed),
    /// about 20 bytes each.
    /// </summary>
    private async Task<(Dictionary<string, string> Patients, PanelItemHolders Items)> PanelHoldersAsync(CancellationToken ct)
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
                await FlushAsync(name, batch, rejections, summary, ct);
            }
        }

        if (drain is not null)
        {
            foreach (var chunk in (await drain()).Chunk(BatchSize))
            {
                Take(chunk, batch, rejections, summary);
                await FlushAsync(name, batch, rejections, summary, ct);
            }
        }

        await FlushAsync(name, batch, rejections, summary, ct);
        _progress.Report(new RunProgress("import " + name, stream.Length, stream.Length, "bytes", Finished: true));

        // The file was read whole: whatever file problem it had before is gone.
        var now = _clock.GetUtcNow();
        await _db.Quarantine
            .Where(q => q.File == name && q.ResolvedAt == null && q.RecordId == null && FileRuleIds.Contains(q.Rule))
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.ResolvedAt, now).SetProperty(q => q.Resolution, "a later import read the file whole"), ct);
        await ResolveUnseenAsync(name, seen, now, ct);
        return summary;
    }

    /// <summary>
    /// Read whole, the file holds every row it has: an open entry of it that this import did not see again (a rejected
    /// row seen again keeps its entry open, a valid row resolved its own) is of a row no longer there as it was
    /// rejected: deleted by the clinic, or changed, in which case a newer entry says what is wrong with it now.
    /// Resolved, never deleted: the quarantine is the audit trail. Without this, such an entry stayed open for ever.
    /// </summary>
    private async Task ResolveUnseenAsync(string file, SeenIds seen, DateTimeOffset now, CancellationToken ct)
    {
        var unseen = await _db.Quarantine.AsNoTracking()
            .Where(q => q.File == file && q.ResolvedAt == null && q.LastSeenAt < _startedAt)
            .Select(q => new { q.Id, q.RecordId, q.Rule })
            .ToListAsync(ct);

        // A duplicate-id entry's id is seen whenever its first row is still there: it changed only if this import made
        // a newer entry for the id (the second row still differs, in another way); else the second row is gone.
        var repeatedAgain = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in unseen.Where(q => q.Rule == IntakeRules.DuplicateId && q.RecordId is not null).Select(q => q.RecordId!).Distinct().Chunk(BatchSize))
        {
            repeatedAgain.UnionWith(await _db.Quarantine.AsNoTracking()
                .Where(q => q.File == file && q.ResolvedAt == null && q.LastSeenAt >= _startedAt && q.RecordId != null && chunk.Contains(q.RecordId))
                .Select(q => q.RecordId!)
                .ToListAsync(ct));
        }

        var byResolution = unseen.GroupBy(
            q => q.RecordId is null ? "the row is no longer in the export as it was rejected (deleted, fixed or changed)"
                : !seen.Contains(IdHash.Of(q.RecordId)) ? "the row is no longer in the export"
                : q.Rule == IntakeRules.DuplicateId && !repeatedAgain.Contains(q.RecordId) ? "the export no longer repeats this id with other content"
                : "the row changed: a newer entry says what is wrong with it now",
            q => q.Id);
        foreach (var group in byResolution)
        {
            foreach (var chunk in group.Chunk(BatchSize))
            {
                await _db.Quarantine.Where(q => chunk.Contains(q.Id))
                    .ExecuteUpdateAsync(s => s.SetProperty(q => q.ResolvedAt, now).SetProperty(q => q.Resolution, group.Key), ct);
            }
        }

        if (unseen.Count > 0)
        {
            _logger.LogInformation("{File}: {Count} quarantine entries resolved, their rows no longer in the export as rejected", file, unseen.Count);
        }
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
                    _assessmentRemovals = await PlanRemovalsAsync<AssessmentRecord>(nameof(AssessmentRecord.AssessmentId), seen, allowRemovals, ct);
                    unreadRemoved = !_assessmentRemovals.Refused;
                }

                panels.Finish(await StoredPanelItemsAsync(panels.PanelsAwaitingStoredItems(), ct), unreadRemoved);
                return Released(panels);
            });

        static IEnumerable<ParsedRow<AssessmentRecord>> Released(PanelConsistencyCheck panels) =>
            panels.TakeDecided().Select(d => d.Rejection is null ? new ParsedRow<AssessmentRecord>(d.Line, d.Record, null) : new ParsedRow<AssessmentRecord>(d.Line, null, d.Rejection));
    }

    /// <summary>
    /// The items and totals imported before and still in force (not retracted, not removed) of the panels whose total
    /// waits for them at the end of assessments.csv, or whose items wait for their stored total: only those panels
    /// (most often few), in chunks, never every stored item.
    /// </summary>
    private async Task<List<StoredPanelItem>> StoredPanelItemsAsync(IReadOnlyList<string> panelIds, CancellationToken ct)
    {
        var items = new List<StoredPanelItem>();
        var panelCodes = _rules.PanelOfMeasure.Keys.ToList();
        foreach (var chunk in panelIds.Chunk(BatchSize))
        {
            items.AddRange(await _db.Assessments.AsNoTracking()
                .Where(a => a.PanelId != null && chunk.Contains(a.PanelId) && panelCodes.Contains(a.Code)
                    && a.Status != AssessmentStatus.EnteredInError && a.RemovedFromExportAt == null)
                .Select(a => new StoredPanelItem(a.PanelId!, a.Code, a.AssessmentId, a.Value, a.ContentHash))
                .ToListAsync(ct));
        }

        return items;
    }

    private async Task<FileImportSummary> RejectFileAsync(FileImportSummary summary, FileProblem problem, CancellationToken ct)
    {
        summary.Problem = problem;
        _logger.LogWarning("{File} was rejected whole: rule {Rule} at line {Line}; nothing of it was imported", problem.File, problem.Rule, problem.Line);
        await QuarantineAsync([new RowRejection(problem.File, problem.Line ?? 0, null, problem.Rule, problem.ToString(), null, new Dictionary<string, string>())], ct);
        return summary;
    }

    /// <summary>Stores a batch: new rows added, changed rows updated, retractions applied, rejections quarantined.</summary>
    private async Task FlushAsync<T>(string file, List<ParsedRow<T>> batch, List<RowRejection> rejections, FileImportSummary summary, CancellationToken ct)
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
                if (IsRetraction(record))
                {
                    if (Retract(record, held, row.Line, file, summary, now) is { } mismatch)
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

            // A row that is valid now resolves what was quarantined for the same record of the same file; not a
            // duplicate-id entry, which is about another row with this id (the first one read is the valid one): that
            // entry stays open while its row is in the export, and closes when it is not (ResolveUnseenAsync).
            await _db.Quarantine
                .Where(q => q.File == file && q.ResolvedAt == null && q.LastSeenAt < _startedAt && q.RecordId != null && stored.Contains(q.RecordId)
                    && q.Rule != IntakeRules.DuplicateId)
                .ExecuteUpdateAsync(s => s.SetProperty(q => q.ResolvedAt, now).SetProperty(q => q.Resolution, "a valid row was imported"), ct);
            batch.Clear();
        }

        await QuarantineAsync(rejections, ct);
        rejections.Clear();
        await _db.SaveChangesAsync(ct);
        _db.ChangeTracker.Clear();
    }

    private static bool IsRetraction(ClinicRecord record) =>
        record is TreatmentRecord { Status: TreatmentStatus.EnteredInError } or AssessmentRecord { Status: AssessmentStatus.EnteredInError };

    /// <summary>
    /// Applies an entered-in-error row to the record it withdraws: the stored content is kept (the row needs only ids,
    /// patient, code and status) and its status becomes entered-in-error, so every destination that received the record
    /// receives its withdrawal. A record never imported has nothing to withdraw. A row whose patient or code differs from
    /// the stored record's is rejected: withdrawing the wrong record is worse than withdrawing none.
    /// </summary>
    private static RowRejection? Retract(ClinicRecord retraction, ClinicRecord? held, long line, string file, FileImportSummary summary, DateTimeOffset now)
    {
        if (held is null)
        {
            summary.Unchanged++;
            return null;
        }

        var (patient, code, idColumn) = retraction switch
        {
            TreatmentRecord t => (t.PatientId, t.Code, "treatment_id"),
            AssessmentRecord a => (a.PatientId, a.Code, "assessment_id"),
            _ => throw new ArgumentException("only treatments and assessments have a status", nameof(retraction)),
        };
        var (heldPatient, heldCode) = held switch
        {
            TreatmentRecord t => (t.PatientId, t.Code),
            AssessmentRecord a => (a.PatientId, a.Code),
            _ => throw new ArgumentException("only treatments and assessments have a status", nameof(held)),
        };
        if (patient != heldPatient || code != heldCode)
        {
            var column = patient != heldPatient ? "patient_id" : "code";
            return new RowRejection(
                file,
                line,
                column,
                IntakeRules.RetractionMismatch,
                $"{file} line {line}, column {column}: the entered-in-error row names another {(column == "code" ? "code" : "patient")} than the stored record {retraction.RecordId}; nothing was withdrawn",
                retraction.RecordId,
                new Dictionary<string, string> { [idColumn] = retraction.RecordId, ["patient_id"] = patient, ["code"] = code, ["status"] = "entered-in-error" });
        }

        switch (held)
        {
            case TreatmentRecord { Status: TreatmentStatus.EnteredInError, IsRemoved: false }:
            case AssessmentRecord { Status: AssessmentStatus.EnteredInError, IsRemoved: false }:
                summary.Unchanged++;
                return null;
            case TreatmentRecord t:
                t.Status = TreatmentStatus.EnteredInError;
                break;
            case AssessmentRecord a:
                a.Status = AssessmentStatus.EnteredInError;
                break;
        }

        held.RemovedFromExportAt = null;
        held.ContentHash = RecordHasher.Hash(held);
        held.UpdatedAt = now;
        summary.Retracted++;
        return null;
    }

    /// <param name="seen">The ids read from the export, as <see cref="IdHash"/>es: a million ids in 20 MB.</param>
    /// <param name="plan">The removals worked out before (at the end of assessments.csv, when a panel decision needed
    /// them), so that what the panel check assumed is what happens; null: worked out now.</param>
    private async Task MarkRemovedAsync<T>(FileImportSummary summary, string key, SeenIds seen, bool allowRemovals, CancellationToken ct, RemovalPlan? plan = null)
        where T : ClinicRecord
    {
        var set = _db.Set<T>();
        var (gone, goneCount, storedCount, refused) = plan ?? await PlanRemovalsAsync<T>(key, seen, allowRemovals, ct);
        if (goneCount == 0)
        {
            return;
        }

        if (refused)
        {
            summary.RemovalsRefused = goneCount;
            Warnings.Add($"{summary.File}: {goneCount} of {storedCount} stored records are not in this export; that looks like a partial export, so none was marked removed (import with --allow-removals to remove them)");
            _logger.LogWarning("{File}: refused to mark {Count} of {Stored} records removed", summary.File, goneCount, storedCount);
            return;
        }

        var now = _clock.GetUtcNow();
        foreach (var chunk in gone.Chunk(BatchSize))
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
    private async Task<RemovalPlan> PlanRemovalsAsync<T>(string key, SeenIds seen, bool allowRemovals, CancellationToken ct)
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

        var now = _clock.GetUtcNow();
        foreach (var rejection in rejections)
        {
            var rowJson = JsonSerializer.Serialize(rejection.Row);
            var rowHash = FhirJson.Hash(rejection.File + "\n" + rejection.Rule + "\n" + rowJson + (rejection.RecordId is null && rejection.Column is null ? "\n" + rejection.Message : string.Empty));
            var open = await _db.Quarantine.FirstOrDefaultAsync(q => q.RowHash == rowHash && q.ResolvedAt == null, ct);
            if (open is not null)
            {
                // The same problem of the same row: its one entry stays, saying where the row is now.
                open.LastSeenAt = now;
                open.Line = rejection.Line;
                open.Message = Truncated(rejection.Message);
                continue;
            }

            _db.Quarantine.Add(new QuarantinedRow
            {
                File = rejection.File,
                Line = rejection.Line,
                Column = rejection.Column,
                Rule = rejection.Rule,
                Message = Truncated(rejection.Message),
                RecordId = rejection.RecordId,
                RowJson = rowJson,
                RowHash = rowHash,
                FirstSeenAt = now,
                LastSeenAt = now,
            });
            _logger.LogInformation("Quarantined {File} line {Line} record {RecordId}: rule {Rule}", rejection.File, rejection.Line, rejection.RecordId, rejection.Rule);
        }

        await _db.SaveChangesAsync(ct);

        static string Truncated(string message) => message.Length > 4000 ? message[..4000] : message;
    }

    /// <summary>The stored records gone from a file (up to the guard's limit), how many in all, of how many, and whether the guard refuses.</summary>
    private sealed record RemovalPlan(List<string> Gone, int GoneCount, int StoredCount, bool Refused);
}

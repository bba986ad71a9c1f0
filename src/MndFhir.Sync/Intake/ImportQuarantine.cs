using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Serialization;

namespace MndFhir.Sync.Intake;

/// <summary>
/// The quarantine as one import writes it: rejected rows and file problems kept (an open entry found again is kept, not
/// made again), and entries resolved when the import shows their problem gone. Entries are never deleted: they are the
/// audit trail.
/// </summary>
internal sealed class ImportQuarantine(MndFhirDbContext db, TimeProvider clock, ILogger logger, DateTimeOffset startedAt)
{
    private static readonly HashSet<string> FileRuleIds = typeof(FileRules).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet(StringComparer.Ordinal);

    private readonly MndFhirDbContext _db = db;
    private readonly TimeProvider _clock = clock;
    private readonly ILogger _logger = logger;
    private readonly DateTimeOffset _startedAt = startedAt;

    /// <summary>Keeps a problem of a whole file, and says so in the log (file, line and rule only).</summary>
    public async Task AddFileProblemAsync(FileProblem problem, CancellationToken ct)
    {
        _logger.LogWarning("{File} was rejected whole: rule {Rule} at line {Line}; nothing of it was imported", problem.File, problem.Rule, problem.Line);
        await AddAsync([new RowRejection(problem.File, problem.Line ?? 0, null, problem.Rule, problem.ToString(), null, new Dictionary<string, string>())], ct);
    }

    /// <summary>
    /// A row that is valid now resolves what was quarantined for the same record of the same file; not a duplicate-id
    /// entry, which is about another row with this id (the first one read is the valid one): that entry stays open while
    /// its row is in the export, and closes when it is not (<see cref="ResolveFileReadWholeAsync"/>).
    /// </summary>
    public async Task ResolveValidRowsAsync(string file, List<string> stored, DateTimeOffset now, CancellationToken ct) =>
        await _db.Quarantine
            .Where(q => q.File == file && q.ResolvedAt == null && q.LastSeenAt < _startedAt && q.RecordId != null && stored.Contains(q.RecordId)
                && q.Rule != IntakeRules.DuplicateId)
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.ResolvedAt, now).SetProperty(q => q.Resolution, "a valid row was imported"), ct);

    /// <summary>The file was read whole: whatever file problem it had before is gone, and so are the rows not seen again.</summary>
    public async Task ResolveFileReadWholeAsync(string file, SeenIds seen, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        await _db.Quarantine
            .Where(q => q.File == file && q.ResolvedAt == null && q.RecordId == null && FileRuleIds.Contains(q.Rule))
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.ResolvedAt, now).SetProperty(q => q.Resolution, "a later import read the file whole"), ct);
        await ResolveUnseenAsync(file, seen, now, ct);
    }

    /// <summary>Keeps rejected rows (and file problems): a problem found again keeps its one open entry.</summary>
    public async Task AddAsync(IReadOnlyList<RowRejection> rejections, CancellationToken ct)
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
        foreach (var chunk in unseen.Where(q => q.Rule == IntakeRules.DuplicateId && q.RecordId is not null).Select(q => q.RecordId!).Distinct().Chunk(ExportImport.BatchSize))
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
            foreach (var chunk in group.Chunk(ExportImport.BatchSize))
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
}

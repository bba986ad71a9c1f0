using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Sync.Intake;

namespace MndFhir.Sync.Quarantine;

/// <summary>
/// An operator closes open quarantine entries by hand (<c>mndfhir quarantine dismiss</c>): for a row the clinic will
/// never send again, or an entry kept open by something no import can see. The entry is resolved with who dismissed
/// it and why, never deleted (the quarantine is the audit trail). A row still in the export and still broken is
/// quarantined again, in a new entry, by the next import: dismissing never lets a bad row in. All or nothing: one
/// unknown id dismisses none.
/// </summary>
public sealed class QuarantineDismissal(IDbContextFactory<MndFhirDbContext> contexts, TimeProvider clock, ILogger<QuarantineDismissal> logger)
{
    /// <summary>The longest reason kept (the resolution column holds 400 characters with who dismissed it).</summary>
    public const int MaxReasonLength = 300;

    public async Task<QuarantineDismissalResult> DismissAsync(IReadOnlyCollection<long> ids, string dismissedBy, string? reason, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dismissedBy);
        if (reason is { Length: > MaxReasonLength })
        {
            throw new ArgumentException($"the reason has {reason.Length} characters; at most {MaxReasonLength} are kept", nameof(reason));
        }

        await using var db = await contexts.CreateDbContextAsync(ct);

        // An import settles the quarantine in its one transaction: a dismissal beside it would wait for it, then
        // judge entries the import has just changed. Say so at once instead (a read never waits).
        if ((await new DestinationLeaseStore(db, clock).LiveLeasesAsync(ct)).Any(l => l.Destination == DestinationLeaseStore.ImportLease))
        {
            throw new ImportBusyException("An import of the clinic export is running; dismiss when it has finished (it may resolve these entries itself).");
        }

        var wanted = ids.Distinct().ToList();
        var found = await db.Quarantine.Where(q => wanted.Contains(q.Id)).ToListAsync(ct);
        var unknown = wanted.Except(found.Select(q => q.Id)).ToList();
        if (unknown.Count > 0)
        {
            return new QuarantineDismissalResult([], [], unknown);
        }

        var now = clock.GetUtcNow();
        var who = dismissedBy.Trim() is { Length: > 64 } tooLong ? tooLong[..64] : dismissedBy.Trim();
        var resolution = string.IsNullOrWhiteSpace(reason) ? $"dismissed by {who}" : $"dismissed by {who}: {reason.Trim()}";
        var open = found.Where(q => q.ResolvedAt is null).ToList();
        foreach (var entry in open)
        {
            entry.ResolvedAt = now;
            entry.Resolution = resolution;
        }

        await db.SaveChangesAsync(ct);
        logger.LogInformation("Dismissed {Count} quarantine entries ({Ids})", open.Count, string.Join(", ", open.Select(q => q.Id)));
        return new QuarantineDismissalResult(
            [.. wanted.Where(id => open.Any(q => q.Id == id))],
            [.. wanted.Where(id => found.Any(q => q.Id == id && !open.Contains(q)))],
            []);
    }
}
